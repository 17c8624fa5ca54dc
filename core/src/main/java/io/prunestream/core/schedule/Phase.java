package io.prunestream.core.schedule;

/**
 * Phases of a pruning run, in order. GReg-2 passes through {@link #PICK} between its uniform growth
 * and its push; {@link #PRUNE} lasts exactly one iteration (the surgery happens before that
 * iteration's step, which is the first fine-tuning step).
 */
public enum Phase {
    /** Ordinary training (warm-up, or the whole run for method {@code none}). */
    TRAIN,
    /** The penalty grows (GReg-1 on the pruned groups; GReg-2 on all, then on the pruned). */
    REGULARIZE,
    /** GReg-2 chooses the pruned groups by L1 of the current weights. */
    PICK,
    /** Penalties frozen at their final value; training continues. */
    STABILIZE,
    /** The pruned groups are removed (or masked). */
    PRUNE,
    /** Fine-tuning of the pruned network, with no penalty. */
    FINETUNE
}
