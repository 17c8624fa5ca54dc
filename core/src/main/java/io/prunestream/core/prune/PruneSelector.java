package io.prunestream.core.prune;

import io.prunestream.core.group.FilterGroup;
import io.prunestream.core.group.GroupFinder;
import io.prunestream.core.nn.LayerGraph;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.ParamKeys;
import io.prunestream.core.schedule.Granularity;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Chooses the groups to prune: per layer, the {@code min(ceil(r*n), n-1)} groups with the smallest
 * importance ({@code pick_pruned=min}), so a layer is never emptied. Ties go to the lower index.
 */
public final class PruneSelector {
    private PruneSelector() {}

    /** A weight tensor that unstructured pruning can mask. */
    public record WeightTensor(String key, String label, int size, boolean readsInput) {}

    /** The groups (or weights) to prune, the least important first by {@code importance}. */
    public static PrunePlan select(
            Network net, Granularity granularity, LayerRatios ratios, Importance importance) {
        return granularity == Granularity.FILTER
                ? selectFilters(net, ratios, importance)
                : selectWeights(net, ratios, importance);
    }

    /** Number pruned out of n at ratio r. */
    public static int prunedCount(double r, int n) {
        if (r <= 0) {
            return 0;
        }
        int k =
                BigDecimal.valueOf(r)
                        .multiply(BigDecimal.valueOf(n))
                        .setScale(0, RoundingMode.CEILING)
                        .intValueExact();
        return Math.min(k, n - 1);
    }

    private static PrunePlan selectFilters(Network net, LayerRatios ratios, Importance importance) {
        Map<String, int[]> pruned = new LinkedHashMap<>();
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (FilterGroup g : GroupFinder.filterGroups(net.graph())) {
            double r = ratios.ratioFor(g.label(), g.readsNetworkInput());
            if (!g.prunable()) {
                if (r > 0 && ratios.names(g.label())) {
                    throw new IllegalArgumentException(
                            "layer '"
                                    + g.label()
                                    + "' cannot be pruned: "
                                    + g.blockedBy()
                                    + "; set its ratio to 0 or remove the rule");
                }
                continue;
            }
            int k = prunedCount(r, g.size());
            if (k > 0) {
                sizes.put(g.name(), g.size());
                pruned.put(g.name(), smallest(importance.groupScores(net.param(g.weightKey())), k));
            }
        }
        return new PrunePlan(Granularity.FILTER, pruned, sizes);
    }

    private static PrunePlan selectWeights(Network net, LayerRatios ratios, Importance importance) {
        Map<String, int[]> pruned = new LinkedHashMap<>();
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (WeightTensor t : weightTensors(net)) {
            int k = prunedCount(ratios.ratioFor(t.label(), t.readsInput()), t.size());
            if (k > 0) {
                sizes.put(t.key(), t.size());
                pruned.put(t.key(), smallest(importance.weightScores(net.param(t.key())), k));
            }
        }
        return new PrunePlan(Granularity.WEIGHT, pruned, sizes);
    }

    /** The conv and dense weights of a network, in layer order. */
    public static List<WeightTensor> weightTensors(Network net) {
        LayerGraph graph = net.graph();
        List<WeightTensor> out = new ArrayList<>();
        for (LayerGraph.Node n : graph.nodes()) {
            if (n.isConv() || n.isDense()) {
                String key = ParamKeys.weight(n.name());
                INDArray w = net.param(key);
                out.add(new WeightTensor(key, n.label(), (int) w.length(), n.inputs().isEmpty()));
            }
        }
        return out;
    }

    /** Indices of the k smallest scores, ascending by index. */
    static int[] smallest(double[] scores, int k) {
        Integer[] order = new Integer[scores.length];
        for (int i = 0; i < order.length; i++) {
            order[i] = i;
        }
        Arrays.sort(
                order,
                Comparator.comparingDouble((Integer i) -> scores[i]).thenComparingInt(i -> i));
        int[] out = new int[k];
        for (int i = 0; i < k; i++) {
            out[i] = order[i];
        }
        Arrays.sort(out);
        return out;
    }
}
