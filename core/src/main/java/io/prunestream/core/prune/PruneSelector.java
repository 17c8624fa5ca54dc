package io.prunestream.core.prune;

import io.prunestream.core.group.DependencyGraph;
import io.prunestream.core.group.Group;
import io.prunestream.core.group.GroupScope;
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
 * Chooses the groups to prune: per group, the {@code min(ceil(r*n), n-1)} units with the smallest
 * importance ({@code pick_pruned=min}), so a layer is never emptied. Ties go to the lower index.
 * Filter plans are keyed by {@link Group#name()}, weight plans by weight key.
 */
public final class PruneSelector {
    private PruneSelector() {}

    /** A weight tensor that unstructured pruning can mask. */
    public record WeightTensor(String key, String label, int size, boolean readsInput) {}

    /** As {@link #select(Network, Granularity, GroupScope, LayerRatios, Importance)}, inner. */
    public static PrunePlan select(
            Network net, Granularity granularity, LayerRatios ratios, Importance importance) {
        return select(net, granularity, GroupScope.INNER, ratios, importance);
    }

    /** The groups (or weights) to prune, the least important first by {@code importance}. */
    public static PrunePlan select(
            Network net,
            Granularity granularity,
            GroupScope scope,
            LayerRatios ratios,
            Importance importance) {
        return granularity == Granularity.FILTER
                ? select(net, DependencyGraph.of(net).groups(scope), ratios, importance)
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

    /**
     * The ratio a group is pruned at: the first rule naming one of the layers that make its
     * channels, else the default (0 for a group the default leaves alone, {@link
     * Group#keptUnlessNamed()}).
     */
    public static double ratioOf(Group g, LayerRatios ratios) {
        return ratios.ratioFor(g.producerLabels(), g.keptUnlessNamed());
    }

    /**
     * The units to prune of the given groups (of {@code net}).
     *
     * @throws IllegalArgumentException when a rule names a layer of a group that cannot be pruned
     */
    public static PrunePlan select(
            Network net, List<Group> groups, LayerRatios ratios, Importance importance) {
        Map<String, int[]> pruned = new LinkedHashMap<>();
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (Group g : groups) {
            double r = ratioOf(g, ratios);
            if (!g.prunable()) {
                for (String label : g.producerLabels()) {
                    if (r > 0 && ratios.names(label)) {
                        throw new IllegalArgumentException(
                                "layer '"
                                        + label
                                        + "' cannot be pruned: "
                                        + g.blockedBy()
                                        + "; set its ratio to 0 or remove the rule");
                    }
                }
                continue;
            }
            int k = prunedCount(r, g.size());
            if (k > 0) {
                sizes.put(g.name(), g.size());
                pruned.put(g.name(), smallest(importance.groupScores(g, net), k));
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
