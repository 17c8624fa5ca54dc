package io.prunestream.apps.experiment;

import io.prunestream.core.config.Named;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.schedule.PruningMethod;

/**
 * One row kind of the Table-1 experiment: a pruning method with its budget and the settings it
 * changes from the experiment's (BatchNorm penalty, penalty scale, schedule).
 */
public enum Variant implements Named {
    /** The converged arm: prune by L1 at step 0, then fine-tune until the validation plateaus. */
    ONESHOT_L1_CONVERGED(
            "one-shot L1",
            new Setup(PruningMethod.ONESHOT_L1, Budget.CONVERGED, null, 1, false, null)),
    /** GReg-1's regularisation, then fine-tune until the validation plateaus. */
    GREG1_CONVERGED(
            "GReg-1", new Setup(PruningMethod.GREG1, Budget.CONVERGED, null, 1, false, null)),
    /** GReg-2's regularisation, then fine-tune until the validation plateaus. */
    GREG2_CONVERGED(
            "GReg-2", new Setup(PruningMethod.GREG2, Budget.CONVERGED, null, 1, false, null)),
    /** GReg-1's timeline with every lambda 0, then fine-tune until the validation plateaus. */
    GREG1_LAMBDA0_CONVERGED(
            "GReg-1 timeline, λ = 0 (control)",
            new Setup(PruningMethod.GREG1, Budget.CONVERGED, null, 0, false, null)),
    /** The paper's baseline: prune by L1 at step 0, then the common fine-tune. */
    ONESHOT_L1("one-shot L1 (a: equal fine-tune)", PruningMethod.ONESHOT_L1),
    /**
     * One-shot L1 with GReg-1's regularisation steps as extra fine-tuning, at the regularisation
     * learning rate, on the very batches GReg-1 regularises on: the same steps, batches and rates.
     */
    ONESHOT_L1_EQUAL_STEPS(
            "one-shot L1 (b: GReg-1's total steps)",
            new Setup(
                    PruningMethod.ONESHOT_L1,
                    Budget.EQUAL_TOTAL,
                    null,
                    1,
                    false,
                    PruningMethod.GREG1)),
    /** As {@link #ONESHOT_L1_EQUAL_STEPS} with GReg-2's steps before pruning and its batches. */
    ONESHOT_L1_EQUAL_STEPS_GREG2(
            "one-shot L1 (b: GReg-2's total steps)",
            new Setup(
                    PruningMethod.ONESHOT_L1,
                    Budget.EQUAL_TOTAL,
                    null,
                    1,
                    false,
                    PruningMethod.GREG2)),
    GREG1("GReg-1", PruningMethod.GREG1),
    /** GReg-1's timeline and pruned set with every lambda 0: is it only the extra steps? */
    GREG1_LAMBDA0(
            "GReg-1 timeline, λ = 0 (control)",
            new Setup(PruningMethod.GREG1, Budget.EQUAL_FINETUNE, null, 0, false, null)),
    GREG1_BN_OFF("GReg-1, BatchNorm penalty off", PruningMethod.GREG1, NormPenalty.OFF),
    GREG1_BN_ALL("GReg-1, BatchNorm penalty all", PruningMethod.GREG1, NormPenalty.ALL),
    GREG2("GReg-2", PruningMethod.GREG2),
    GREG2_BN_OFF("GReg-2, BatchNorm penalty off", PruningMethod.GREG2, NormPenalty.OFF),
    GREG2_BN_ALL("GReg-2, BatchNorm penalty all", PruningMethod.GREG2, NormPenalty.ALL),
    /** GReg-1 with the strong schedule (options --prune.run.greg1-strong.penalty.*). */
    GREG1_STRONG(
            "GReg-1, strong schedule",
            new Setup(PruningMethod.GREG1, Budget.EQUAL_FINETUNE, null, 1, true, null));

    /** How many steps a run gets. */
    public enum Budget {
        /** The schedule's steps before pruning, then the common fine-tune (the paper). */
        EQUAL_FINETUNE,
        /** As many steps in total as the matched GReg method, all after pruning. */
        EQUAL_TOTAL,
        /**
         * The schedule's steps before pruning, then fine-tuning in learning-rate stages until the
         * validation accuracy plateaus (the base's rule and cap).
         */
        CONVERGED
    }

    /**
     * What a row runs.
     *
     * @param batchNorm the BatchNorm penalty, or null for the experiment's
     * @param penaltyScale factor on every penalty (0: the λ = 0 control)
     * @param strongSchedule whether the row takes the strong schedule's options
     * @param matched for {@link Budget#EQUAL_TOTAL}: the method whose steps before pruning (and
     *     their batches and rate) the row spends fine-tuning; else null
     */
    public record Setup(
            PruningMethod method,
            Budget budget,
            NormPenalty batchNorm,
            double penaltyScale,
            boolean strongSchedule,
            PruningMethod matched) {

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
        this(label, new Setup(method, Budget.EQUAL_FINETUNE, batchNorm, 1, false, null));
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

    /** Whether the row belongs to the converged arm (the primary comparison). */
    public boolean converged() {
        return setup.budget() == Budget.CONVERGED;
    }

    /** The one-shot L1 row this row is compared with in its arm (null for that row itself). */
    public Variant oneShot() {
        Variant l1 = converged() ? ONESHOT_L1_CONVERGED : ONESHOT_L1;
        return this == l1 || setup.budget() == Budget.EQUAL_TOTAL ? null : l1;
    }

    /**
     * The one-shot L1 row of budget (b) this row is compared with: GReg-2's rows with the row that
     * matches GReg-2's total steps, every other fixed-budget row with GReg-1's; null in the
     * converged arm and for the (b) rows themselves.
     */
    public Variant equalSteps() {
        if (converged() || setup.budget() == Budget.EQUAL_TOTAL) {
            return null;
        }
        return setup.method() == PruningMethod.GREG2
                ? ONESHOT_L1_EQUAL_STEPS_GREG2
                : ONESHOT_L1_EQUAL_STEPS;
    }

    /** The λ = 0 control of this row's arm, for the rows that regularise (else null). */
    public Variant lambda0() {
        if (!setup.regularises()) {
            return null;
        }
        return converged() ? GREG1_LAMBDA0_CONVERGED : GREG1_LAMBDA0;
    }

    @Override
    public String toString() {
        return id();
    }

    public static Variant parse(String s) {
        return Named.parse(Variant.class, s, "variant");
    }
}
