package io.prunestream.core.nn.exports;

import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.Network;
import io.prunestream.core.prune.GroupSurgery;
import io.prunestream.core.prune.L1Norm;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.prune.PrunePlan;
import io.prunestream.core.prune.PruneSelector;
import io.prunestream.core.schedule.Granularity;
import java.util.Arrays;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A network as a run leaves it: unpruned, or pruned by filters (smaller) or by weights (zeros). */
record Variants(Granularity granularity, double ratio) {
    static final Variants UNPRUNED = new Variants(Granularity.FILTER, 0);

    /** The pruned copy of {@code net} (the network itself for UNPRUNED). */
    Network of(Network net) {
        if (ratio == 0) {
            return net;
        }
        Network copy = net.copy();
        PrunePlan plan =
                PruneSelector.select(copy, granularity, LayerRatios.uniform(ratio), new L1Norm());
        if (granularity == Granularity.FILTER) {
            return GroupSurgery.apply(copy, GroupScope.INNER, plan);
        }
        for (Map.Entry<String, int[]> e : plan.pruned().entrySet()) {
            INDArray w = copy.param(e.getKey());
            float[] mask = new float[(int) w.length()];
            Arrays.fill(mask, 1f);
            for (int i : e.getValue()) {
                mask[i] = 0f;
            }
            w.muli(Nd4j.create(mask, w.shape(), 'c'));
        }
        return copy;
    }

    @Override
    public String toString() {
        return ratio == 0 ? "unpruned" : granularity + " " + ratio;
    }
}
