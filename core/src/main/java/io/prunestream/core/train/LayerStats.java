package io.prunestream.core.train;

/**
 * Pruning state of one layer.
 *
 * @param label layer name
 * @param size groups (filters, or weights in unstructured mode) before pruning
 * @param prunedGroups groups chosen for pruning
 * @param width current output channels
 * @param magnitudeRatio mean |w| of kept groups / mean |w| of pruned groups (NaN once removed)
 * @param sparsity fraction of the layer's weights that are exactly zero
 */
public record LayerStats(
        String label,
        int size,
        int prunedGroups,
        long width,
        double magnitudeRatio,
        double sparsity) {}
