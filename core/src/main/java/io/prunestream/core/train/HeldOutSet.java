package io.prunestream.core.train;

import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.data.LabelledVectors;
import io.prunestream.core.data.Normalization;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.Network;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Labelled samples kept aside to measure accuracy, as floats (c-order per sample).
 *
 * @param features {@code size * shape.size()} values
 * @param labels class of each sample
 * @param shape shape of one sample
 */
public record HeldOutSet(float[] features, int[] labels, InputShape shape) {

    public HeldOutSet {
        if (features.length != (long) labels.length * shape.size()) {
            throw new IllegalArgumentException(
                    "held-out set: "
                            + features.length
                            + " values for "
                            + labels.length
                            + " samples of "
                            + shape);
        }
    }

    public static HeldOutSet of(LabelledImages images) {
        byte[] p = images.pixels();
        float[] f = new float[p.length];
        for (int i = 0; i < p.length; i++) {
            f[i] = (p[i] & 0xff) / 255f;
        }
        return new HeldOutSet(f, images.labels().clone(), images.shape());
    }

    /** Feature vectors, used as they are (as float32 records are). */
    public static HeldOutSet of(LabelledVectors rows) {
        return new HeldOutSet(rows.values().clone(), rows.labels().clone(), rows.shape());
    }

    /**
     * The same samples as {@code shape} (same number of values per sample), e.g. CSV rows of 784
     * values as 1x28x28 images.
     */
    public HeldOutSet as(InputShape other) {
        return new HeldOutSet(features, labels, other);
    }

    /** A copy with {@code n} applied to every value, as the training samples get it. */
    public HeldOutSet normalized(Normalization n) {
        if (n.isNone()) {
            return this;
        }
        float[] f = features.clone();
        n.apply(f, shape);
        return new HeldOutSet(f, labels, shape);
    }

    public int size() {
        return labels.length;
    }

    /** Top-1 accuracy in inference mode. */
    public double accuracy(Network net, int batchSize) {
        long correct = 0;
        int per = shape.size();
        for (int from = 0; from < size(); from += batchSize) {
            int n = Math.min(batchSize, size() - from);
            float[] x = new float[n * per];
            System.arraycopy(features, from * per, x, 0, x.length);
            INDArray predicted = net.output(Nd4j.create(x, shape.batchShape(n), 'c')).argMax(1);
            for (int i = 0; i < n; i++) {
                if (predicted.getInt(i) == labels[from + i]) {
                    correct++;
                }
            }
        }
        return (double) correct / size();
    }
}
