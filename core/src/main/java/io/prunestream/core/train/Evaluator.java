package io.prunestream.core.train;

import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.nn.Network;

/** Top-1 accuracy in inference mode. */
public final class Evaluator {
    private Evaluator() {}

    public static double accuracy(Network net, LabelledImages data, int batchSize) {
        return HeldOutSet.of(data).accuracy(net, batchSize);
    }
}
