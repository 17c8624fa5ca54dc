package io.prunestream.core.prune;

import io.prunestream.core.group.Group;
import io.prunestream.core.nn.Network;
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

    /**
     * One score per unit of a group: the sum of the scores of the filters (conv filters, dense
     * units' weight columns, depthwise filters) the unit removes, over every layer of the group -
     * Torch-Pruning's group importance with sum reduction. For a group of one conv these are the
     * conv's filter scores.
     */
    default double[] groupScores(Group group, Network net) {
        double[] out = new double[group.size()];
        for (Group.Member m : group.members()) {
            if (!m.carriesFilters()) {
                continue;
            }
            double[] s = groupScores(alongFirst(net.param(m.weightKey()), m.weightAxis()));
            int[] unitOf = m.unitOf();
            for (int p = 0; p < s.length; p++) {
                if (unitOf[p] >= 0) {
                    out[unitOf[p]] += s[p];
                }
            }
        }
        return out;
    }

    /** The weight with {@code axis} moved to the front: dimension 0 then runs over the filters. */
    static INDArray alongFirst(INDArray weight, int axis) {
        if (axis == 0) {
            return weight;
        }
        int[] order = new int[weight.rank()];
        order[0] = axis;
        for (int i = 0, k = 1; i < order.length; i++) {
            if (i != axis) {
                order[k++] = i;
            }
        }
        return weight.permute(order).dup('c');
    }

    /** The weight as rows, one per output group (dimension 0). */
    static INDArray perGroup(INDArray weight) {
        return weight.reshape('c', weight.size(0), weight.length() / weight.size(0));
    }
}
