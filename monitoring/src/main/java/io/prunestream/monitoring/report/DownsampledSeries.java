package io.prunestream.monitoring.report;

import java.util.Arrays;

/**
 * A series of (iteration, value) points held in bounded memory, however long the run.
 *
 * <p>Policy: each stored point is a bucket of consecutive added points, all buckets the same width.
 * When the store is full, neighbouring buckets are merged pairwise, halving the count and doubling
 * the width; later points then fill buckets of the new width. So the series always spans the whole
 * run evenly with at most {@code maxPoints} points (the bucket being filled included), and a run of
 * n points costs O(maxPoints) memory and O(1) amortised time per point. {@link Mode#MEAN} averages
 * a bucket (for noisy values such as the loss); {@link Mode#LAST} keeps its last point (for states
 * such as λ, widths and ratios). Non-finite values are not stored, only counted.
 */
final class DownsampledSeries {

    enum Mode {
        MEAN,
        LAST
    }

    private final Mode mode;
    private final int capacity;
    private final double[] xs;
    private final double[] ys;
    private int size;
    private long width = 1;
    private long pending;
    private double pendingSumX;
    private double pendingSumY;
    private double pendingLastX;
    private double pendingLastY;
    private long added;
    private long skipped;

    /**
     * @param maxPoints the most points {@link #x()}/{@link #y()} return; even, at least 4
     */
    DownsampledSeries(Mode mode, int maxPoints) {
        if (maxPoints < 4 || maxPoints % 2 != 0) {
            throw new IllegalArgumentException(
                    "maxPoints=" + maxPoints + " must be an even number >= 4, e.g. 2000");
        }
        this.mode = mode;
        this.capacity = maxPoints;
        this.xs = new double[maxPoints];
        this.ys = new double[maxPoints];
    }

    void add(double x, double y) {
        if (!Double.isFinite(y)) {
            skipped++;
            return;
        }
        added++;
        pending++;
        pendingSumX += x;
        pendingSumY += y;
        pendingLastX = x;
        pendingLastY = y;
        if (pending == width) {
            xs[size] = mode == Mode.MEAN ? pendingSumX / pending : pendingLastX;
            ys[size] = mode == Mode.MEAN ? pendingSumY / pending : pendingLastY;
            size++;
            pending = 0;
            pendingSumX = 0;
            pendingSumY = 0;
            if (size == capacity) {
                compact();
            }
        }
    }

    // Full buckets all have the same width, and capacity is even, so every bucket has a partner.
    private void compact() {
        for (int i = 0; i < size / 2; i++) {
            int a = 2 * i;
            int b = a + 1;
            if (mode == Mode.MEAN) {
                xs[i] = (xs[a] + xs[b]) / 2;
                ys[i] = (ys[a] + ys[b]) / 2;
            } else {
                xs[i] = xs[b];
                ys[i] = ys[b];
            }
        }
        size /= 2;
        width *= 2;
    }

    double[] x() {
        double[] out = Arrays.copyOf(xs, points());
        if (pending > 0) {
            out[size] = mode == Mode.MEAN ? pendingSumX / pending : pendingLastX;
        }
        return out;
    }

    double[] y() {
        double[] out = Arrays.copyOf(ys, points());
        if (pending > 0) {
            out[size] = mode == Mode.MEAN ? pendingSumY / pending : pendingLastY;
        }
        return out;
    }

    int points() {
        return size + (pending > 0 ? 1 : 0);
    }

    /** Added points per stored bucket now. */
    long bucketWidth() {
        return width;
    }

    /** Finite points added. */
    long added() {
        return added;
    }

    /** Non-finite values seen and not stored. */
    long skipped() {
        return skipped;
    }

    boolean isEmpty() {
        return points() == 0;
    }

    /** The latest finite value added, NaN if none. */
    double last() {
        if (pending > 0) {
            return pendingLastY;
        }
        if (size == 0) {
            return Double.NaN;
        }
        // With MEAN the stored value is an average; LAST stores the last point itself.
        return ys[size - 1];
    }
}
