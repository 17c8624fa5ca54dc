package io.prunestream.core.prune;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.group.DependencyGraph;
import io.prunestream.core.group.Group;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.Network;
import io.prunestream.core.schedule.Granularity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The check that surgery is exact: every prunable group of a network pruned at a ratio (units
 * chosen at random) gives a network that computes what the original computes with the pruned
 * channels cut off - every layer that reads them gets zero weights on them (the pruned channels
 * then reach nothing, whatever activations and BatchNorm shifts do to them on the way) - in
 * inference mode, on random inputs, to 1e-4.
 */
final class SurgeryCheck {
    private SurgeryCheck() {}

    /** What one check found. */
    record Result(PrunePlan plan, Network pruned, double maxDiff, double change) {}

    /**
     * Prunes every prunable group of {@code net} in {@code scope} at {@code ratio} and asserts the
     * pruned network equals the original with the pruned channels cut off (max |delta| < 1e-4 on
     * random inputs); that the cut matters (the unpruned network differs by more than 1e-4); and
     * that the pruned network's groups are the same ones, each with its kept units. Leaves {@code
     * net} as it was.
     */
    static Result assertPrunedEqualsCutOff(Network net, GroupScope scope, double ratio, long seed) {
        List<Group> groups = DependencyGraph.of(net).groups(scope);
        PrunePlan plan = randomPlan(groups, ratio, seed);
        assertThat(plan.pruned().keySet())
                .as("every prunable group is pruned")
                .containsExactlyElementsOf(
                        groups.stream().filter(Group::prunable).map(Group::name).toList());
        Network reference = net.copy();
        cutOff(reference, groups, plan);
        Network small = GroupSurgery.apply(net, groups, plan);
        assertThat(small.numParams()).isLessThan(net.numParams());

        Nd4j.getRandom().setSeed(seed);
        INDArray x = Nd4j.rand(DataType.FLOAT, net.inputShape().batchShape(6));
        INDArray expected = reference.output(x);
        INDArray actual = small.output(x);
        assertThat(actual.shape()).isEqualTo(expected.shape());
        double maxDiff = Nd4j.math().abs(actual.sub(expected)).maxNumber().doubleValue();
        assertThat(maxDiff).isLessThan(1e-4);
        double change = Nd4j.math().abs(net.output(x).sub(expected)).maxNumber().doubleValue();
        assertThat(change).as("the cut matters").isGreaterThan(1e-4);
        Map<String, Integer> after = new LinkedHashMap<>();
        DependencyGraph.of(small).groups(scope).forEach(g -> after.put(g.name(), g.size()));
        for (Group g : groups) {
            assertThat(after.get(g.name()))
                    .as("%s after surgery", g.name())
                    .isEqualTo(g.size() - plan.prunedOf(g.name()).length);
        }
        return new Result(plan, small, maxDiff, change);
    }

    /** Every prunable group at {@code ratio}, units chosen at random. */
    static PrunePlan randomPlan(List<Group> groups, double ratio, long seed) {
        Random r = new Random(seed);
        Map<String, int[]> pruned = new LinkedHashMap<>();
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (Group g : groups) {
            if (!g.prunable()) {
                continue;
            }
            double[] scores = new double[g.size()];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = r.nextDouble();
            }
            int k = PruneSelector.prunedCount(ratio, g.size());
            sizes.put(g.name(), g.size());
            pruned.put(g.name(), PruneSelector.smallest(scores, k));
        }
        return new PrunePlan(Granularity.FILTER, pruned, sizes);
    }

    /** Zeroes, in every layer that reads a pruned unit's channels, its weights on them. */
    static void cutOff(Network net, List<Group> groups, PrunePlan plan) {
        for (Group g : groups) {
            boolean[] gone = new boolean[g.size()];
            for (int u : plan.prunedOf(g.name())) {
                gone[u] = true;
            }
            for (Group.Member m : g.members(Group.Slice.IN)) {
                INDArray w = net.param(m.weightKey());
                for (int p = 0; p < m.width(); p++) {
                    if (m.unitOf()[p] >= 0 && gone[m.unitOf()[p]]) {
                        INDArrayIndex[] at = new INDArrayIndex[w.rank()];
                        for (int d = 0; d < at.length; d++) {
                            at[d] =
                                    d == m.weightAxis()
                                            ? NDArrayIndex.point(p)
                                            : NDArrayIndex.all();
                        }
                        w.get(at).assign(0);
                    }
                }
            }
        }
    }
}
