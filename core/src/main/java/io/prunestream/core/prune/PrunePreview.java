package io.prunestream.core.prune;

import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.group.DependencyGraph;
import io.prunestream.core.group.Group;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.Network;
import java.util.List;

/**
 * What structured pruning at given ratios would do to a network, without training: its groups, the
 * plan the importance criterion picks, and the cost before and after the surgery.
 *
 * <pre>{@code
 * PrunePreview p = PrunePreview.of(net, GroupScope.COUPLED, LayerRatios.parse("0.5"), new L1Norm());
 * p.groups().forEach(g -> System.out.println(g.describe()));
 * System.out.println(p.before().flops() + " -> " + p.after().flops());
 * }</pre>
 *
 * @param groups every group of the network, prunable or not, in graph order
 * @param plan the units the criterion picks at the ratios
 * @param before params and FLOPs of the network
 * @param after params and FLOPs of the pruned network
 */
public record PrunePreview(
        List<Group> groups, PrunePlan plan, NetworkCost before, NetworkCost after) {

    public static PrunePreview of(
            Network net, GroupScope scope, LayerRatios ratios, Importance importance) {
        List<Group> groups = DependencyGraph.of(net).groups(scope);
        PrunePlan plan = PruneSelector.select(net, groups, ratios, importance);
        NetworkCost before = NetworkCost.of(net);
        NetworkCost after =
                plan.isEmpty() ? before : NetworkCost.of(GroupSurgery.apply(net, groups, plan));
        return new PrunePreview(groups, plan, before, after);
    }
}
