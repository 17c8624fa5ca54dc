package io.prunestream.core.data;

import io.prunestream.core.nn.InputShape;
import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Images with class labels, kept as raw bytes (0-255) and scaled to [0, 1] floats when a batch is
 * made.
 */
public record LabelledImages(
        String name, InputShape shape, int classes, byte[] pixels, int[] labels) {

    public LabelledImages {
        if (pixels.length != (long) labels.length * shape.size()) {
            throw new IllegalArgumentException(
                    name
                            + ": "
                            + pixels.length
                            + " pixel bytes do not match "
                            + labels.length
                            + " images of "
                            + shape);
        }
    }

    public int size() {
        return labels.length;
    }

    /** The first {@code n} images (or all, if fewer). */
    public LabelledImages head(int n) {
        int k = Math.min(n, size());
        byte[] p = Arrays.copyOf(pixels, k * shape.size());
        return new LabelledImages(name, shape, classes, p, Arrays.copyOf(labels, k));
    }

    /**
     * Images {@code from} (inclusive) to {@code to} (exclusive) as features [n,c,h,w] and one-hot
     * labels.
     */
    public DataSet batch(int from, int to) {
        int n = to - from;
        int per = shape.size();
        float[] f = new float[n * per];
        for (int i = 0; i < f.length; i++) {
            f[i] = (pixels[from * per + i] & 0xff) / 255f;
        }
        float[] y = new float[n * classes];
        for (int i = 0; i < n; i++) {
            y[i * classes + labels[from + i]] = 1f;
        }
        INDArray x = Nd4j.create(f, shape.batchShape(n), 'c');
        return new DataSet(x, Nd4j.create(y, new long[] {n, classes}, 'c').castTo(DataType.FLOAT));
    }

    /** Image {@code i}'s pixels as bytes, c-order. */
    public byte[] imageBytes(int i) {
        return Arrays.copyOfRange(pixels, i * shape.size(), (i + 1) * shape.size());
    }
}
