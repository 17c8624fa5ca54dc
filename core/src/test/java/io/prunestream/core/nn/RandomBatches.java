package io.prunestream.core.nn;

import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/** Mini-batches for tests: features uniform in [0, 1), one-hot labels, all from one seed. */
public final class RandomBatches {
    private RandomBatches() {}

    public static DataSet of(InputShape s, int size, int classes, long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, s.batchShape(size));
        INDArray y = Nd4j.zeros(DataType.FLOAT, size, classes);
        Random r = new Random(seed);
        for (int i = 0; i < size; i++) {
            y.putScalar(i, r.nextInt(classes), 1f);
        }
        return new DataSet(x, y);
    }
}
