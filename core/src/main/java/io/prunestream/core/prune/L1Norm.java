package io.prunestream.core.prune;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The paper's criterion: L1 norm per filter (the authors rank by mean |w| per filter, which orders
 * the filters of one layer the same way) and |w| per weight.
 */
public record L1Norm() implements Importance {

    @Override
    public double[] groupScores(INDArray weight) {
        return Importance.perGroup(weight).norm1(1).toDoubleVector();
    }
}
