package io.prunestream.core.data;

import io.prunestream.core.nn.InputShape;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Locale;
import java.util.StringJoiner;

/**
 * Per-channel standardisation of sample values, {@code (x - mean[c]) / std[c]}, applied to the
 * values a model sees: after uint8 values are scaled to [0, 1], and to float32 values as they come.
 * A model trained elsewhere expects the preprocessing it was trained with (torchvision's {@code
 * Normalize}); training, held-out evaluation and reports must all apply the same one.
 *
 * <pre>{@code
 * Normalization n = Normalization.parse("0.2860/0.3530"); // Fashion-MNIST's mean/std
 * n.apply(features, InputShape.MNIST);                     // in place
 * }</pre>
 *
 * One value applies to every channel; otherwise one per channel (per feature for a feature vector).
 */
public final class Normalization implements Serializable {
    private static final long serialVersionUID = 1L;

    /** Values as they are. */
    public static final Normalization NONE = new Normalization(new float[0], new float[0]);

    private static final String FORM =
            "write none, or mean/std with one value or one per channel, e.g. 0.2860/0.3530 or"
                    + " 0.485,0.456,0.406/0.229,0.224,0.225";

    private final float[] mean;
    private final float[] std;

    private Normalization(float[] mean, float[] std) {
        this.mean = mean;
        this.std = std;
    }

    /** Means and standard deviations, one each or one per channel; every std must be > 0. */
    public static Normalization of(float[] mean, float[] std) {
        if (mean.length == 0 || mean.length != std.length) {
            throw new IllegalArgumentException(
                    mean.length + " means and " + std.length + " stds: " + FORM);
        }
        for (int i = 0; i < mean.length; i++) {
            if (!Float.isFinite(mean[i]) || !Float.isFinite(std[i]) || !(std[i] > 0)) {
                throw new IllegalArgumentException(
                        "mean " + mean[i] + ", std " + std[i] + ": std must be > 0 and finite");
            }
        }
        return new Normalization(mean.clone(), std.clone());
    }

    /** {@code none} (or empty), or {@code mean/std}, each a comma-separated list. */
    public static Normalization parse(String s) {
        String t = s == null ? "" : s.trim();
        if (t.isEmpty() || t.equalsIgnoreCase("none")) {
            return NONE;
        }
        String[] parts = t.split("/", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException("'" + s + "': " + FORM);
        }
        return of(floats(parts[0], s), floats(parts[1], s));
    }

    private static float[] floats(String list, String whole) {
        String[] p = list.split(",", -1);
        float[] out = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            try {
                out[i] = Float.parseFloat(p[i].trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "'" + whole + "': '" + p[i].trim() + "' is not a number; " + FORM);
            }
        }
        return out;
    }

    public boolean isNone() {
        return mean.length == 0;
    }

    /**
     * Throws unless this applies to samples of {@code shape}: one value, or one per channel (per
     * feature for a feature vector).
     */
    public void check(InputShape shape) {
        if (!isNone() && mean.length != 1 && mean.length != shape.channels()) {
            throw new IllegalArgumentException(
                    mean.length
                            + " means/stds for samples of "
                            + shape
                            + ", which have "
                            + shape.channels()
                            + (shape.isVector()
                                    ? " features"
                                    : shape.channels() == 1 ? " channel" : " channels")
                            + ": give 1 value or "
                            + shape.channels());
        }
    }

    /** Normalises {@code values}, whole samples of {@code shape} in c-order, in place. */
    public void apply(float[] values, InputShape shape) {
        if (isNone()) {
            return;
        }
        check(shape);
        int size = shape.size();
        if (values.length % size != 0) {
            throw new IllegalArgumentException(
                    values.length + " values are not whole samples of " + shape);
        }
        int plane = shape.height() * shape.width();
        for (int i = 0; i < values.length; i++) {
            int c = mean.length == 1 ? 0 : (i % size) / plane;
            values[i] = (values[i] - mean[c]) / std[c];
        }
    }

    /** {@code none}, or the configured {@code mean/std}. */
    @Override
    public String toString() {
        return isNone() ? "none" : list(mean) + "/" + list(std);
    }

    private static String list(float[] v) {
        StringJoiner j = new StringJoiner(",");
        for (float f : v) {
            j.add(String.format(Locale.ROOT, "%s", f));
        }
        return j.toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Normalization n
                && Arrays.equals(mean, n.mean)
                && Arrays.equals(std, n.std);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(mean) + Arrays.hashCode(std);
    }
}
