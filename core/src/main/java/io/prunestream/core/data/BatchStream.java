package io.prunestream.core.data;

import java.util.Random;
import org.nd4j.linalg.dataset.DataSet;

/**
 * Endless mini-batches over a data set, reshuffled each epoch with a fixed seed, so two runs with
 * the same seed see the same batches in the same order.
 */
public final class BatchStream {
    private final LabelledImages data;
    private final int batchSize;
    private final Random random;
    private int[] order;
    private int pos;
    private long epoch;

    public BatchStream(LabelledImages data, int batchSize, long seed) {
        if (batchSize < 1 || batchSize > data.size()) {
            throw new IllegalArgumentException(
                    "batch size must be in [1, " + data.size() + "], got " + batchSize);
        }
        this.data = data;
        this.batchSize = batchSize;
        this.random = new Random(seed);
        shuffle();
    }

    private void shuffle() {
        order = new int[data.size()];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        for (int i = order.length - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        pos = 0;
    }

    public DataSet next() {
        if (pos + batchSize > order.length) {
            epoch++;
            shuffle();
        }
        int per = data.shape().size();
        byte[] pixels = new byte[batchSize * per];
        int[] labels = new int[batchSize];
        for (int i = 0; i < batchSize; i++) {
            int idx = order[pos + i];
            System.arraycopy(data.pixels(), idx * per, pixels, i * per, per);
            labels[i] = data.labels()[idx];
        }
        pos += batchSize;
        return new LabelledImages(data.name(), data.shape(), data.classes(), pixels, labels)
                .batch(0, batchSize);
    }

    public long epoch() {
        return epoch;
    }
}
