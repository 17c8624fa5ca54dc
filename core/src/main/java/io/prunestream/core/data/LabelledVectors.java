package io.prunestream.core.data;

import io.prunestream.core.nn.InputShape;
import java.util.Arrays;

/**
 * Feature vectors with class labels (tabular rows, embeddings), as floats used as they are.
 *
 * @param name where they came from, for messages
 * @param features values per sample
 * @param values {@code size() * features} values, row by row
 * @param labels class of each sample
 */
public record LabelledVectors(String name, int features, float[] values, int[] labels) {

    public LabelledVectors {
        if (features < 1 || values.length != (long) labels.length * features) {
            throw new IllegalArgumentException(
                    name
                            + ": "
                            + values.length
                            + " values do not make "
                            + labels.length
                            + " rows of "
                            + features
                            + " features");
        }
    }

    public int size() {
        return labels.length;
    }

    /** The shape of one sample: a vector of {@link #features} values. */
    public InputShape shape() {
        return InputShape.vector(features);
    }

    /** The number of classes the labels use: the largest label + 1 (0 when empty). */
    public int classes() {
        return Arrays.stream(labels).max().orElse(-1) + 1;
    }

    /** The first {@code n} rows (or all, if fewer). */
    public LabelledVectors head(long n) {
        int k = (int) Math.min(n, size());
        return new LabelledVectors(
                name, features, Arrays.copyOf(values, k * features), Arrays.copyOf(labels, k));
    }
}
