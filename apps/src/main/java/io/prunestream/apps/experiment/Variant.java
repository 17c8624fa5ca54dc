package io.prunestream.apps.experiment;

import io.prunestream.core.config.Named;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.schedule.PruningMethod;

/**
 * One row kind of the Table-1 experiment: a pruning method with its budget and the settings it
 * changes from the experiment's (BatchNorm penalty, penalty scale, schedule).
 */
public enum Variant implements Named {
    /** The paper's baseline: prune by L1 at step 0, then the common fine-tune. */
    ONESHOT_L1("one-shot L1 (a: equal fine-tune)", PruningMethod.ONESHOT_L1),
    /**
     * One-shot L1 with GReg-1's regularisation steps as extra fine-tuning, at the regularisation
     * learning rate, on the very batches GReg-1 regularises on: the same steps, batches and rates.
     */
    ONESHOT_L1_EQUAL_STEPS(
            "one-shot L1 (b: equal total steps)",
            new Setup(PruningMethod.ONESHOT_L1, Budget.EQUAL_TOTAL, null, 1, false)),
    GREG1("GReg-1", PruningMethod.GREG1),
    /** GReg-1's timeline and pruned set with every lambda 0: is it only the extra steps? */
    GREG1_LAMBDA0(
            "GReg-1 timeline, λ = 0 (control)",
            new Setup(PruningMethod.GREG1, Budget.EQUAL_FINETUNE, null, 0, false)),
    GREG1_BN_OFF("GReg-1, BatchNorm penalty off", PruningMethod.GREG1, NormPenalty.OFF),
    GREG1_BN_ALL("GReg-1, BatchNorm penalty all", PruningMethod.GREG1, NormPenalty.ALL),
    GREG2("GReg-2", PruningMethod.GREG2),
    GREG2_BN_OFF("GReg-2, BatchNorm penalty off", PruningMethod.GREG2, NormPenalty.OFF),
    GREG2_BN_ALL("GReg-2, BatchNorm penalty all", PruningMethod.GREG2, NormPenalty.ALL),
    /** GReg-1 with the strong schedule (options --prune.run.greg1-strong.penalty.*). */
    GREG1_STRONG(
            "GReg-1, strong schedule",
            new Setup(PruningMethod.GREG1, Budget.EQUAL_FINETUNE, null, 1, true));

    /** How many steps a run gets. */
    public enum Budget {
        /** The schedule's steps before pruning, then the common fine-tune (the paper). */
        EQUAL_FINETUNE,
        /** As many steps in total as GReg-1, all after pruning. */
        EQUAL_TOTAL
    }

    /**
     * What a row runs.
     *
     * @param batchNorm the BatchNorm penalty, or null for the experiment's
     * @param penaltyScale factor on every penalty (0: the λ = 0 control)
     * @param strongSchedule whether the row takes the strong schedule's options
     */
    public record Setup(
            PruningMethod method,
            Budget budget,
            NormPenalty batchNorm,
            double penaltyScale,
            boolean strongSchedule) {

        /** The BatchNorm penalty this row runs with, given the experiment's. */
        public NormPenalty normPenalty(NormPenalty experiment) {
            return batchNorm != null ? batchNorm : experiment;
        }

        /** Whether the run regularises before pruning (its kept/pruned ratio says something). */
        public boolean regularises() {
            return method != PruningMethod.ONESHOT_L1 && penaltyScale > 0;
        }
    }

    private final String label;
    private final Setup setup;

    Variant(String label, Setup setup) {
        this.label = label;
        this.setup = setup;
    }

    /** A row of the paper's budget with the experiment's BatchNorm penalty. */
    Variant(String label, PruningMethod method) {
        this(label, method, null);
    }

    /** A row of the paper's budget with its own BatchNorm penalty. */
    Variant(String label, PruningMethod method, NormPenalty batchNorm) {
        this(label, new Setup(method, Budget.EQUAL_FINETUNE, batchNorm, 1, false));
    }

    public String label() {
        return label;
    }

    public Setup setup() {
        return setup;
    }

    /** The row an ablation changes one thing of (null for the rows that are not ablations). */
    public Variant parent() {
        return switch (this) {
            case GREG1_BN_OFF, GREG1_BN_ALL, GREG1_STRONG -> GREG1;
            case GREG2_BN_OFF, GREG2_BN_ALL -> GREG2;
            default -> null;
        };
    }

    @Override
    public String toString() {
        return id();
    }

    public static Variant parse(String s) {
        return Named.parse(Variant.class, s, "variant");
    }
}
