package io.prunestream.core.prune;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.group.Group;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.OptimizerSpec;
import org.junit.jupiter.api.Test;

/**
 * What pruning at a ratio does to params and FLOPs, before any training: on the paper's CIFAR
 * ResNet-20 (16, 32, 64 channels, 3x32x32 input, option-A shortcuts) at 0.5, inner halves each
 * block's inner conv; coupled also halves the residual stream in every stage. Expected counts come
 * from the layer shapes (3x3 convs without bias, the classifier with bias; FLOPs 2 x MACs, as the
 * README counts them).
 */
class PrunePreviewTest {

    @Test
    void coupledAlsoHalvesTheResidualStreamOfResNet20() {
        Network net =
                ModelSpec.resnet(20, 1.0, new InputShape(3, 32, 32), 10, 1)
                        .build(OptimizerSpec.sgd(0.05, 5e-4));
        LayerRatios half = LayerRatios.uniform(0.5);
        PrunePreview inner = PrunePreview.of(net, GroupScope.INNER, half, new L1Norm());
        PrunePreview coupled = PrunePreview.of(net, GroupScope.COUPLED, half, new L1Norm());

        long[] full = resnet20(new int[] {16, 32, 64}, new int[] {16, 32, 64});
        long[] innerHalf = resnet20(new int[] {16, 32, 64}, new int[] {8, 16, 32});
        long[] allHalf = resnet20(new int[] {8, 16, 32}, new int[] {8, 16, 32});
        assertThat(inner.before().params()).isEqualTo(full[0]);
        assertThat(inner.before().flops()).isEqualTo(full[1]);
        assertThat(inner.after().params()).isEqualTo(innerHalf[0]);
        assertThat(inner.after().flops()).isEqualTo(innerHalf[1]);
        assertThat(coupled.after().params()).isEqualTo(allHalf[0]);
        assertThat(coupled.after().flops()).isEqualTo(allHalf[1]);
        // 9 inner groups prunable with inner; with coupled also the one stream group
        assertThat(inner.groups().stream().filter(Group::prunable)).hasSize(9);
        assertThat(coupled.groups().stream().filter(Group::prunable)).hasSize(10);
        assertThat(coupled.plan().pruned()).containsKey("stem_conv").hasSize(10);
        System.out.printf(
                "ResNet-20 at 0.5: params %d -> inner %d (-%d), coupled %d (-%d); FLOPs %d ->"
                        + " inner %d (-%d), coupled %d (-%d)%n",
                full[0],
                innerHalf[0],
                full[0] - innerHalf[0],
                allHalf[0],
                full[0] - allHalf[0],
                full[1],
                innerHalf[1],
                full[1] - innerHalf[1],
                allHalf[1],
                full[1] - allHalf[1]);
    }

    /**
     * Params and FLOPs of a CIFAR ResNet-20 with residual stream widths {@code s} and inner conv
     * widths {@code c} per stage, from the layer shapes.
     */
    private static long[] resnet20(int[] s, int[] c) {
        int[] size = {32, 16, 8};
        long params = 0;
        long flops = 0;
        long stem = 9L * 3 * s[0];
        params += stem;
        flops += 2 * stem * 32 * 32;
        for (int stage = 0; stage < 3; stage++) {
            long hw = (long) size[stage] * size[stage];
            for (int b = 0; b < 3; b++) {
                int in = b == 0 && stage > 0 ? s[stage - 1] : s[stage];
                long conv1 = 9L * in * c[stage];
                long conv2 = 9L * c[stage] * s[stage];
                params += conv1 + conv2;
                flops += 2 * (conv1 + conv2) * hw;
            }
        }
        params += s[2] * 10L + 10;
        flops += 2L * s[2] * 10;
        return new long[] {params, flops};
    }
}
