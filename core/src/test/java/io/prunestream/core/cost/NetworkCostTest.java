package io.prunestream.core.cost;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.prune.FilterSurgery;
import io.prunestream.core.prune.PrunePlan;
import io.prunestream.core.schedule.Granularity;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** FLOPs and parameters of the small CNN, worked out by hand. */
class NetworkCostTest {

    @Test
    void smallCnnByHand() {
        // conv1 [16,1,3,3] on 28x28 (same padding): 144 * 784      = 112 896
        // conv2 [32,16,3,3] on 14x14:                4608 * 196    = 903 168
        // conv3 [64,32,3,3] on 7x7:                  18432 * 49    = 903 168
        // fc1 576 -> 128 (64 channels * 3x3 after the last pool):    73 728
        // out 128 -> 10:                                              1 280
        NetworkCost c =
                NetworkCost.of(
                        ModelSpec.smallCnn(InputShape.MNIST, 10, 1)
                                .build(OptimizerSpec.sgd(0.1, 0)));
        assertThat(c.layers())
                .extracting(LayerCost::label, LayerCost::flops)
                .contains(
                        org.assertj.core.groups.Tuple.tuple("conv1", 112_896L),
                        org.assertj.core.groups.Tuple.tuple("conv2", 903_168L),
                        org.assertj.core.groups.Tuple.tuple("conv3", 903_168L),
                        org.assertj.core.groups.Tuple.tuple("fc1", 73_728L),
                        org.assertj.core.groups.Tuple.tuple("out", 1_280L));
        assertThat(c.flops()).isEqualTo(1_994_240L);
        // params: convs have no bias; BN counts gamma+beta (running stats are buffers)
        // 144 + 32 + 4608 + 64 + 18432 + 128 + (73728 + 128) + (1280 + 10) = 98 554
        assertThat(c.params()).isEqualTo(98_554L);
    }

    @Test
    void prunedCnnByHand() {
        var net = ModelSpec.smallCnn(InputShape.MNIST, 10, 1).build(OptimizerSpec.sgd(0.1, 0));
        // remove 24 of conv2's 32 filters and 48 of conv3's 64
        int[] p2 = java.util.stream.IntStream.range(0, 24).toArray();
        int[] p3 = java.util.stream.IntStream.range(0, 48).toArray();
        PrunePlan plan =
                new PrunePlan(
                        Granularity.FILTER, Map.of("4", p2, "8", p3), Map.of("4", 32, "8", 64));
        NetworkCost small = NetworkCost.of(FilterSurgery.apply(net, plan));
        // conv1 112 896; conv2 [8,16,3,3] 1152*196 = 225 792; conv3 [16,8,3,3] 1152*49 = 56 448
        // fc1 (16*9=144) * 128 = 18 432; out 1 280
        assertThat(small.flops()).isEqualTo(112_896L + 225_792L + 56_448L + 18_432L + 1_280L);
        assertThat(NetworkCost.of(net).speedupOver(small))
                .isEqualTo(1_994_240.0 / (112_896 + 225_792 + 56_448 + 18_432 + 1_280));
    }
}
