package io.prunestream.core.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.group.DependencyGraph;
import io.prunestream.core.group.Group;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.nn.RandomBatches;
import io.prunestream.core.schedule.Granularity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The smaller network computes what the original computes with every pruned group zeroed (filter,
 * bias, BatchNorm gamma and beta), in inference mode.
 */
class FilterSurgeryTest {
    private static final OptimizerSpec SGD = OptimizerSpec.sgd(0.05, 5e-4);

    @Test
    void smallCnnSurgeryMatchesZeroedOriginal() {
        checkEquivalence(ModelSpec.smallCnn(InputShape.MNIST, 10, 1).build(SGD), 0.6);
    }

    @Test
    void vggSurgeryMatchesZeroedOriginal() {
        checkEquivalence(ModelSpec.vgg(11, 0.125, new InputShape(3, 16, 16), 7, 2).build(SGD), 0.7);
    }

    @Test
    void resnetSurgeryMatchesZeroedOriginal() {
        checkEquivalence(
                ModelSpec.resnet(20, 0.5, new InputShape(3, 12, 12), 5, 3).build(SGD), 0.5);
    }

    @Test
    void resnetPrunesOnlyInnerBlockConvs() {
        Network net = ModelSpec.resnet(20, 0.5, new InputShape(3, 12, 12), 5, 3).build(SGD);
        List<Group> groups = DependencyGraph.of(net).groups(GroupScope.INNER);
        assertThat(groups.stream().filter(Group::prunable).map(Group::label))
                .hasSize(9)
                .allMatch(l -> l.endsWith("_conv1"));
        assertThat(groups.stream().filter(g -> !g.prunable()).map(Group::label))
                .contains("stem_conv", "s1b0_conv2", "s3b2_conv2");
        assertThatThrownBy(
                        () ->
                                PruneSelector.select(
                                        net,
                                        Granularity.FILTER,
                                        LayerRatios.parse("0.5,s2b1_conv2=0.5"),
                                        new L1Norm()))
                .hasMessageContaining("s2b1_conv2")
                .hasMessageContaining("cannot be pruned");
    }

    @Test
    void smallCnnShrinksAsPlanned() {
        Network net = ModelSpec.smallCnn(InputShape.MNIST, 10, 1).build(SGD);
        PrunePlan plan =
                PruneSelector.select(
                        net, Granularity.FILTER, LayerRatios.uniform(0.5), new L1Norm());
        Network small = GroupSurgery.apply(net, GroupScope.INNER, plan);
        // conv1 reads the input and is kept; conv2 32 -> 16, conv3 64 -> 32
        assertThat(NetworkCost.of(small).convWidths())
                .containsExactly(
                        Map.entry("conv1", 16L), Map.entry("conv2", 16L), Map.entry("conv3", 32L));
        assertThat(small.numParams()).isLessThan(net.numParams());
        // fc1 reads 3x3 maps of conv3: 32 channels * 9 = 288 inputs
        assertThat(small.param("12_W").shape()).containsExactly(288, 128);
    }

    private static void checkEquivalence(Network net, double ratio) {
        trainBriefly(net);
        PrunePlan plan = randomPlan(net, ratio, 42);
        assertThat(plan.isEmpty()).isFalse();
        Network zeroed = net.copy();
        zeroPruned(zeroed, plan);
        Network small = GroupSurgery.apply(net, GroupScope.INNER, plan);
        assertThat(small.numParams()).isLessThan(net.numParams());

        INDArray x = Nd4j.rand(DataType.FLOAT, net.inputShape().batchShape(6));
        INDArray expected = zeroed.output(x);
        INDArray actual = small.output(x);
        assertThat(actual.shape()).isEqualTo(expected.shape());
        double maxDiff = Nd4j.math().abs(actual.sub(expected)).maxNumber().doubleValue();
        assertThat(maxDiff).isLessThan(1e-4);
        // and the zeroing matters: the unpruned network gives different outputs
        double change = Nd4j.math().abs(net.output(x).sub(expected)).maxNumber().doubleValue();
        assertThat(change).isGreaterThan(1e-4);
    }

    /** A few steps so BatchNorm running statistics and weights are not at their initial values. */
    static void trainBriefly(Network net) {
        InputShape s = net.inputShape();
        int classes = (int) net.output(Nd4j.zeros(DataType.FLOAT, s.batchShape(1))).size(1);
        for (int i = 0; i < 3; i++) {
            net.fit(RandomBatches.of(s, 8, classes, 7 + i));
        }
    }

    static PrunePlan randomPlan(Network net, double ratio, long seed) {
        Random r = new Random(seed);
        Map<String, int[]> pruned = new LinkedHashMap<>();
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (Group g : DependencyGraph.of(net).groups(GroupScope.INNER)) {
            // the conv groups, as this test always had (hidden dense layers are groups too)
            if (!g.prunable() || g.kind() != Group.Kind.FILTERS) {
                continue;
            }
            sizes.put(g.name(), g.size());
            int k = PruneSelector.prunedCount(ratio, g.size());
            double[] scores = new double[g.size()];
            for (int i = 0; i < scores.length; i++) {
                scores[i] = r.nextDouble();
            }
            if (k > 0) {
                pruned.put(g.name(), PruneSelector.smallest(scores, k));
            }
        }
        return new PrunePlan(Granularity.FILTER, pruned, sizes);
    }

    /** Zeroes each pruned filter, its bias, and its BatchNorm gamma and beta. */
    static void zeroPruned(Network net, PrunePlan plan) {
        for (Group g : DependencyGraph.of(net).groups(GroupScope.INNER)) {
            for (int j : plan.prunedOf(g.name())) {
                INDArray w = net.param(g.node() + "_W");
                long fanIn = w.length() / w.size(0);
                for (long i = j * fanIn; i < (j + 1) * fanIn; i++) {
                    w.putScalar(i, 0);
                }
                INDArray b = net.param(g.node() + "_b");
                if (b != null && b.length() > 0) {
                    b.putScalar(j, 0);
                }
                for (String bn : g.nodes(Group.Slice.NORM)) {
                    net.param(bn + "_gamma").putScalar(j, 0);
                    net.param(bn + "_beta").putScalar(j, 0);
                }
            }
        }
    }
}
