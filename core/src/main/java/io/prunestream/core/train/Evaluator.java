package io.prunestream.core.train;

import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.nn.Network;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/** Top-1 accuracy in inference mode. */
public final class Evaluator {
    private Evaluator() {}

    public static double accuracy(Network net, LabelledImages data, int batchSize) {
        long correct = 0;
        for (int from = 0; from < data.size(); from += batchSize) {
            int to = Math.min(data.size(), from + batchSize);
            DataSet b = data.batch(from, to);
            INDArray predicted = net.output(b.getFeatures()).argMax(1);
            for (int i = 0; i < to - from; i++) {
                if (predicted.getInt(i) == data.labels()[from + i]) {
                    correct++;
                }
            }
        }
        return (double) correct / data.size();
    }
}
