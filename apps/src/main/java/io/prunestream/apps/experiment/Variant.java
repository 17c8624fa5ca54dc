package io.prunestream.apps.experiment;

import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.schedule.PruningMethod;
import java.util.Locale;

/**
 * One row kind of the Table-1 experiment: a pruning method with its budget and the settings it
 * changes from the experiment's (BatchNorm penalty, penalty scale, schedule).
 */
public enum Variant {
    /** The paper's baseline: prune by L1 at step 0, then the common fine-tune. */
    ONESHOT_L1(
            "oneshot-l1",
            "one-shot L1 (a: equal fine-tune)",
            PruningMethod.ONESHOT_L1,
            Budget.EQUAL_FINETUNE,
            null,
            1,
            false),
    /**
     * One-shot L1 with GReg-1's regularisation steps as extra fine-tuning, at the regularisation
     * learning rate, on the very batches GReg-1 regularises on: the same steps, batches and rates.
     */
    ONESHOT_L1_EQUAL_STEPS(
            "oneshot-l1-equal-steps",
            "one-shot L1 (b: equal total steps)",
            PruningMethod.ONESHOT_L1,
            Budget.EQUAL_TOTAL,
            null,
            1,
            false),
    GREG1("greg1", "GReg-1", PruningMethod.GREG1, Budget.EQUAL_FINETUNE, null, 1, false),
    /** GReg-1's timeline and pruned set with every lambda 0: is it only the extra steps? */
    GREG1_LAMBDA0(
            "greg1-lambda0",
            "GReg-1 timeline, λ = 0 (control)",
            PruningMethod.GREG1,
            Budget.EQUAL_FINETUNE,
            null,
            0,
            false),
    GREG1_BN_OFF(
            "greg1-bn-off",
            "GReg-1, BatchNorm penalty off",
            PruningMethod.GREG1,
            Budget.EQUAL_FINETUNE,
            NormPenalty.OFF,
            1,
            false),
    GREG1_BN_ALL(
            "greg1-bn-all",
            "GReg-1, BatchNorm penalty all",
            PruningMethod.GREG1,
            Budget.EQUAL_FINETUNE,
            NormPenalty.ALL,
            1,
            false),
    GREG2("greg2", "GReg-2", PruningMethod.GREG2, Budget.EQUAL_FINETUNE, null, 1, false),
    GREG2_BN_OFF(
            "greg2-bn-off",
            "GReg-2, BatchNorm penalty off",
            PruningMethod.GREG2,
            Budget.EQUAL_FINETUNE,
            NormPenalty.OFF,
            1,
            false),
    GREG2_BN_ALL(
            "greg2-bn-all",
            "GReg-2, BatchNorm penalty all",
            PruningMethod.GREG2,
            Budget.EQUAL_FINETUNE,
            NormPenalty.ALL,
            1,
            false),
    /** GReg-1 with the strong schedule (options --prune.run.greg1-strong.penalty.*). */
    GREG1_STRONG(
            "greg1-strong",
            "GReg-1, strong schedule",
            PruningMethod.GREG1,
            Budget.EQUAL_FINETUNE,
            null,
            1,
            true);

    /** How many steps a run gets. */
    public enum Budget {
        /** The schedule's steps before pruning, then the common fine-tune (the paper). */
        EQUAL_FINETUNE,
        /** As many steps in total as GReg-1, all after pruning. */
        EQUAL_TOTAL
    }

    private final String id;
    private final String label;
    private final PruningMethod method;
    private final Budget budget;
    private final NormPenalty normPenalty;
    private final double penaltyScale;
    private final boolean strongSchedule;

    Variant(
            String id,
            String label,
            PruningMethod method,
            Budget budget,
            NormPenalty normPenalty,
            double penaltyScale,
            boolean strongSchedule) {
        this.id = id;
        this.label = label;
        this.method = method;
        this.budget = budget;
        this.normPenalty = normPenalty;
        this.penaltyScale = penaltyScale;
        this.strongSchedule = strongSchedule;
    }

    public String id() {
        return id;
    }

    public String label() {
        return label;
    }

    public PruningMethod method() {
        return method;
    }

    public Budget budget() {
        return budget;
    }

    /** The BatchNorm penalty this variant runs with, given the experiment's. */
    public NormPenalty normPenalty(NormPenalty experiment) {
        return normPenalty != null ? normPenalty : experiment;
    }

    public double penaltyScale() {
        return penaltyScale;
    }

    public boolean strongSchedule() {
        return strongSchedule;
    }

    /** The row an ablation changes one thing of (null for the rows that are not ablations). */
    public Variant parent() {
        return switch (this) {
            case GREG1_BN_OFF, GREG1_BN_ALL, GREG1_STRONG -> GREG1;
            case GREG2_BN_OFF, GREG2_BN_ALL -> GREG2;
            default -> null;
        };
    }

    /** Whether the run regularises before pruning (its kept/pruned ratio says something). */
    public boolean regularises() {
        return method != PruningMethod.ONESHOT_L1 && penaltyScale > 0;
    }

    @Override
    public String toString() {
        return id;
    }

    public static Variant parse(String s) {
        String v = s.trim().toLowerCase(Locale.ROOT);
        for (Variant x : values()) {
            if (x.id.equals(v)) {
                return x;
            }
        }
        StringBuilder known = new StringBuilder();
        for (Variant x : values()) {
            known.append(known.length() == 0 ? "" : ", ").append(x.id);
        }
        throw new IllegalArgumentException("unknown variant '" + s + "': use one of " + known);
    }
}
