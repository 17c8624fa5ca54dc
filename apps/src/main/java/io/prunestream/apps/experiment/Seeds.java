package io.prunestream.apps.experiment;

/**
 * The seeds of one experiment seed's batch streams. Each stream is a pure function of its seed and
 * the batch index, so every method that reads step i of the same stream trains on the same batch.
 */
final class Seeds {
    private Seeds() {}

    /** Batches of the base's training. */
    static long base(long seed) {
        return seed * 1000 + 1;
    }

    /** Batches of the steps before pruning (regularisation, or the equal-steps fine-tune). */
    static long regularise(long seed) {
        return seed * 1000 + 2;
    }

    /** Batches of the fine-tune, counted from the prune step. */
    static long finetune(long seed) {
        return seed * 1000 + 3;
    }
}
