package io.prunestream.core.prune;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/** Importance scores: the smaller, the sooner a group is pruned. */
public final class Importance {
    private Importance() {}

    /**
     * L1 norm of each output filter of a conv weight [out, in, kh, kw]. The authors rank by mean
     * |w| per filter, which orders filters of one layer the same way.
     */
    public static double[] filterL1(INDArray weight) {
        INDArray rows = weight.reshape('c', weight.size(0), weight.length() / weight.size(0));
        INDArray l1 = rows.norm1(1);
        return l1.toDoubleVector();
    }

    /** |w| of every element, flattened in c order. */
    public static double[] magnitude(INDArray weight) {
        return Transforms.abs(weight.dup('c'), false).data().asDouble();
    }
}
