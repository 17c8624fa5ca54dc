package io.prunestream.core.cost;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.groups.Tuple.tuple;

import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.prune.GroupSurgery;
import io.prunestream.core.prune.PrunePlan;
import io.prunestream.core.schedule.Granularity;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * FLOPs and parameters worked out by hand, by the authors' convention: FLOPs = multiplies + adds =
 * 2 x multiply-accumulates of conv and linear layers (biases not counted); params = conv and linear
 * weights and biases (BatchNorm not counted).
 */
class NetworkCostTest {

    @Test
    void smallCnnByHand() {
        // conv1 [16,1,3,3] on 28x28 (same padding): 2 * 144 * 784    =   225 792
        // conv2 [32,16,3,3] on 14x14:                2 * 4608 * 196  = 1 806 336
        // conv3 [64,32,3,3] on 7x7:                  2 * 18432 * 49  = 1 806 336
        // fc1 576 -> 128 (64 channels * 3x3 after the last pool): 2 * 73 728 = 147 456
        // out 128 -> 10:                                          2 * 1 280  =   2 560
        NetworkCost c =
                NetworkCost.of(
                        ModelSpec.smallCnn(InputShape.MNIST, 10, 1)
                                .build(OptimizerSpec.sgd(0.1, 0)));
        assertThat(c.layers())
                .extracting(LayerCost::label, LayerCost::flops)
                .contains(
                        tuple("conv1", 225_792L),
                        tuple("conv2", 1_806_336L),
                        tuple("conv3", 1_806_336L),
                        tuple("fc1", 147_456L),
                        tuple("out", 2_560L));
        assertThat(c.flops()).isEqualTo(3_988_480L);
        assertThat(c.macs()).isEqualTo(1_994_240L);
        // params: convs have no bias; 144 + 4608 + 18432 + (73728 + 128) + (1280 + 10) = 98 330
        assertThat(c.params()).isEqualTo(98_330L);
        // BatchNorm gamma + beta, listed but not counted: 2 * (16 + 32 + 64) = 224
        assertThat(c.normParams()).isEqualTo(224L);
        assertThat(c.layers())
                .filteredOn(l -> l.type().equals(LayerCost.BATCHNORM))
                .extracting(LayerCost::label, LayerCost::params, LayerCost::flops)
                .containsExactly(
                        tuple("bn1", 32L, 0L), tuple("bn2", 64L, 0L), tuple("bn3", 128L, 0L));
    }

    @Test
    void lenetWithBiasesByHand() {
        // conv1 [20,1,5,5] valid on 28x28 -> 24x24: 2 * 500 * 576    =   576 000, params 500 + 20
        // pool -> 12x12; conv2 [50,20,5,5] -> 8x8:  2 * 25 000 * 64  = 3 200 000, params 25 000 +
        // 50
        // pool -> 4x4; fc1 800 -> 128:              2 * 102 400      =   204 800, params 102 400 +
        // 128
        // out 128 -> 10:                            2 * 1 280        =     2 560, params 1 280 + 10
        // biases are parameters, but their adds are not FLOPs (the authors count weights only)
        NetworkCost c =
                NetworkCost.of(
                        ModelSpec.lenet(InputShape.MNIST, 10, 1).build(OptimizerSpec.sgd(0.1, 0)));
        assertThat(c.layers())
                .extracting(LayerCost::label, LayerCost::params, LayerCost::flops)
                .containsExactly(
                        tuple("conv1", 520L, 576_000L),
                        tuple("conv2", 25_050L, 3_200_000L),
                        tuple("fc1", 102_528L, 204_800L),
                        tuple("out", 1_290L, 2_560L));
        assertThat(c.flops()).isEqualTo(3_983_360L);
        assertThat(c.params()).isEqualTo(129_388L);
        assertThat(c.normParams()).isZero();
    }

    @Test
    void depthwiseConvsCountAsConvs() {
        var cost = NetworkCost.of(io.prunestream.core.group.GraphFixtures.separable());
        // dw_in [3,3,3,2] + 6 biases on 8x8 (same padding): 2 * 54 * 64 = 6 912
        // dw1 [3,3,8,1] + 8 biases on 8x8:                  2 * 72 * 64 = 9 216
        // dw2 [3,3,12,2] + 24 biases on 8x8:               2 * 216 * 64 = 27 648
        assertThat(cost.layers())
                .filteredOn(l -> l.type().equals(LayerCost.DEPTHWISE))
                .extracting(LayerCost::label, LayerCost::width, LayerCost::params, LayerCost::flops)
                .containsExactly(
                        tuple("dw_in", 6L, 54L + 6, 6_912L),
                        tuple("dw1", 8L, 72L + 8, 9_216L),
                        tuple("dw2", 24L, 216L + 24, 27_648L));
        assertThat(cost.layers().stream().filter(l -> l.label().equals("dw2")))
                .allMatch(LayerCost::countsParams);
    }

    @Test
    void prunedCnnByHand() {
        var net = ModelSpec.smallCnn(InputShape.MNIST, 10, 1).build(OptimizerSpec.sgd(0.1, 0));
        // remove 24 of conv2's 32 filters and 48 of conv3's 64
        int[] p2 = IntStream.range(0, 24).toArray();
        int[] p3 = IntStream.range(0, 48).toArray();
        PrunePlan plan =
                new PrunePlan(
                        Granularity.FILTER, Map.of("4", p2, "8", p3), Map.of("4", 32, "8", 64));
        NetworkCost small = NetworkCost.of(GroupSurgery.apply(net, GroupScope.INNER, plan));
        // conv1 225 792; conv2 [8,16,3,3] 2*1152*196 = 451 584; conv3 [16,8,3,3] 2*1152*49 = 112
        // 896
        // fc1 (16*9=144) * 128 * 2 = 36 864; out 2 560
        long flops = 225_792L + 451_584L + 112_896L + 36_864L + 2_560L;
        assertThat(small.flops()).isEqualTo(flops);
        // params 144 + 1152 + 1152 + (18 432 + 128) + (1 280 + 10)
        assertThat(small.params()).isEqualTo(144L + 1152 + 1152 + 18_432 + 128 + 1_280 + 10);
        assertThat(NetworkCost.of(net).speedupOver(small)).isEqualTo(3_988_480.0 / flops);
    }

    @Test
    void snapshotLayoutKeepsMultiplyAccumulatesAndReadsBackInTheAuthorsConvention()
            throws Exception {
        // a snapshot written before the authors' convention: flops were MACs, params totals
        // included BatchNorm; the layout per layer is unchanged
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.writeInt(2);
        out.writeUTF("conv1");
        out.writeUTF("conv");
        out.writeLong(16);
        out.writeLong(144);
        out.writeLong(112_896);
        out.writeUTF("bn1");
        out.writeUTF("batchnorm");
        out.writeLong(16);
        out.writeLong(32);
        out.writeLong(0);
        NetworkCost read =
                NetworkCost.readFrom(
                        new DataInputStream(new ByteArrayInputStream(bytes.toByteArray())));
        assertThat(read.flops()).isEqualTo(225_792L);
        assertThat(read.params()).isEqualTo(144L);

        ByteArrayOutputStream again = new ByteArrayOutputStream();
        read.writeTo(new DataOutputStream(again));
        assertThat(again.toByteArray()).isEqualTo(bytes.toByteArray());
    }
}
