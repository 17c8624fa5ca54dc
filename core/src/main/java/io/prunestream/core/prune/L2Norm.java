package io.prunestream.core.prune;

import org.nd4j.linalg.api.ndarray.INDArray;

/** L2 norm per filter (Torch-Pruning's default magnitude criterion) and |w| per weight. */
public record L2Norm() implements Importance {

    @Override
    public double[] groupScores(INDArray weight) {
        return Importance.perGroup(weight).norm2(1).toDoubleVector();
    }
}
