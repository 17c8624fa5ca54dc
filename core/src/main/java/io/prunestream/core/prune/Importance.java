package io.prunestream.core.prune;

import java.io.Serializable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * How important the parts of a weight tensor are: the smaller the score, the sooner the part is
 * pruned. A criterion scores whole output groups (a conv's filters, structured pruning) and single
 * weights (unstructured pruning). Adding a criterion: one implementation here and one constant in
 * {@link ImportanceCriterion}.
 */
public interface Importance extends Serializable {

    /** One score per output group: per filter of a conv weight [out, in, kh, kw]. */
    double[] groupScores(INDArray weight);

    /** One score per element, flattened in c order; |w| unless a criterion scores otherwise. */
    default double[] weightScores(INDArray weight) {
        return Transforms.abs(weight.dup('c'), false).data().asDouble();
    }

    /** The weight as rows, one per output group (dimension 0). */
    static INDArray perGroup(INDArray weight) {
        return weight.reshape('c', weight.size(0), weight.length() / weight.size(0));
    }
}
