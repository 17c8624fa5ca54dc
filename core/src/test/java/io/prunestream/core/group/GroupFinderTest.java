package io.prunestream.core.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.prunestream.core.group.FilterGroup.Consumer;
import io.prunestream.core.group.FilterGroup.Consumer.Kind;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.LayerGraph;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.OptimizerSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.junit.jupiter.api.Test;

/**
 * The filter groups of the project's networks, worked out by hand from their layer lists (see
 * {@code Models}): which convolutions can lose filters, which cannot and why, and what is sliced
 * with them.
 */
class GroupFinderTest {
    private static final OptimizerSpec SGD = OptimizerSpec.sgd(0.05, 5e-4);

    /** A prunable group with one BatchNorm and one reader. */
    private static FilterGroup prunable(
            String node, String label, int size, String norm, Consumer reader, boolean first) {
        return new FilterGroup(node, label, size, List.of(norm), List.of(reader), null, first);
    }

    private static List<FilterGroup> groupsOf(ModelSpec spec) {
        return GroupFinder.filterGroups(spec.build(SGD).graph());
    }

    private static Map<String, FilterGroup> byLabel(List<FilterGroup> groups) {
        Map<String, FilterGroup> out = new LinkedHashMap<>();
        groups.forEach(g -> out.put(g.label(), g));
        return out;
    }

    /**
     * Small CNN on 28x28: layers 0-3 conv1 bn1 relu1 pool1, 4-7 the same for conv2, 8-11 for conv3,
     * 12 fc1, 13 out. Maps are 28, 14, 7 wide (same padding), and pool3 leaves 3x3 (7 / 2,
     * truncated), so fc1 reads 9 inputs per conv3 channel.
     */
    @Test
    void smallCnnEveryConvIsPrunableWithItsNormAndReader() {
        List<FilterGroup> groups = groupsOf(ModelSpec.smallCnn(InputShape.MNIST, 10, 1));

        assertThat(groups)
                .containsExactly(
                        prunable("0", "conv1", 16, "1", new Consumer("4", Kind.CONV, 1), true),
                        prunable("4", "conv2", 32, "5", new Consumer("8", Kind.CONV, 1), false),
                        prunable("8", "conv3", 64, "9", new Consumer("12", Kind.DENSE, 9), false));
        assertThat(groups).allMatch(FilterGroup::prunable);
        assertThat(groups.get(2).weightKey()).isEqualTo("8_W");
    }

    /**
     * LeNet: conv1 5x5 (28 -> 24), pool (12), conv2 5x5 (8), pool (4), fc1: no BatchNorm, and fc1
     * reads 4 x 4 = 16 inputs per conv2 channel.
     */
    @Test
    void lenetHasNoNormsAndADenseBlockOfSixteen() {
        List<FilterGroup> groups = groupsOf(ModelSpec.lenet(InputShape.MNIST, 10, 1));

        assertThat(groups)
                .extracting(FilterGroup::label, FilterGroup::size, FilterGroup::norms)
                .containsExactly(tuple("conv1", 20, List.of()), tuple("conv2", 50, List.of()));
        assertThat(groups.get(0).consumers()).containsExactly(new Consumer("2", Kind.CONV, 1));
        assertThat(groups.get(1).consumers()).containsExactly(new Consumer("4", Kind.DENSE, 16));
    }

    /**
     * ResNet-20 at width 0.5 (stages of 8, 16, 32 channels, three blocks each): a block's inner
     * conv1 feeds only bn1, relu1 and conv2, so it is prunable; conv2 and the stem feed a residual
     * add, so they are not.
     */
    @Test
    void resnetOnlyTheInnerConvOfEachBlockIsPrunable() {
        Map<String, FilterGroup> g =
                byLabel(groupsOf(ModelSpec.resnet(20, 0.5, new InputShape(3, 12, 12), 5, 3)));

        assertThat(g).hasSize(1 + 9 * 2);
        assertThat(g.values().stream().filter(FilterGroup::prunable).map(FilterGroup::label))
                .containsExactlyInAnyOrder(
                        "s1b0_conv1",
                        "s1b1_conv1",
                        "s1b2_conv1",
                        "s2b0_conv1",
                        "s2b1_conv1",
                        "s2b2_conv1",
                        "s3b0_conv1",
                        "s3b1_conv1",
                        "s3b2_conv1");
        int[] widths = {8, 16, 32};
        for (int s = 1; s <= 3; s++) {
            for (int b = 0; b < 3; b++) {
                String p = "s" + s + "b" + b + "_";
                assertThat(g.get(p + "conv1"))
                        .isEqualTo(
                                prunable(
                                        p + "conv1",
                                        p + "conv1",
                                        widths[s - 1],
                                        p + "bn1",
                                        new Consumer(p + "conv2", Kind.CONV, 1),
                                        false));
                assertThat(g.get(p + "conv2").blockedBy())
                        .contains("ElementWiseVertex '" + p + "add'")
                        .contains("residual add");
            }
        }
        // the stem's channels reach block 1's conv1 and, through the identity shortcut, its add
        FilterGroup stem = g.get("stem_conv");
        assertThat(stem.readsNetworkInput()).isTrue();
        assertThat(stem.prunable()).isFalse();
        assertThat(stem.blockedBy()).contains("ElementWiseVertex 's1b0_add'");
    }

    @Test
    void aLayerThatCannotBeSlicedOrTheNetworkOutputBlocksAConv() {
        LayerGraph graph =
                sequential(
                        conv("convA", 4), // 0 -> LRN, which has no per-channel slicing here
                        new LocalResponseNormalization.Builder().name("lrn").build(),
                        conv("convB", 6), // 2 -> convC: prunable
                        conv("convC", 5), // 3 -> global pooling, the network output
                        new GlobalPoolingLayer.Builder(PoolingType.AVG).name("gap").build());
        Map<String, FilterGroup> g = byLabel(GroupFinder.filterGroups(graph));

        assertThat(g.get("convA").blockedBy())
                .isEqualTo(
                        "its output reaches LocalResponseNormalization 'lrn', which prunestream"
                                + " cannot slice");
        assertThat(g.get("convB").prunable()).isTrue();
        assertThat(g.get("convB").consumers()).containsExactly(new Consumer("3", Kind.CONV, 1));
        assertThat(g.get("convC").blockedBy())
                .isEqualTo("its channels reach the network output at 'gap'");

        LayerGraph convLast = sequential(conv("first", 3), conv("last", 2));
        assertThat(byLabel(GroupFinder.filterGroups(convLast)).get("last").blockedBy())
                .isEqualTo("it is a network output");
    }

    private static ConvolutionLayer conv(String name, int out) {
        return new ConvolutionLayer.Builder(3, 3)
                .name(name)
                .nOut(out)
                .convolutionMode(ConvolutionMode.Same)
                .build();
    }

    private static LayerGraph sequential(Layer... layers) {
        NeuralNetConfiguration.ListBuilder b = new NeuralNetConfiguration.Builder().list();
        for (Layer l : layers) {
            b.layer(l);
        }
        InputShape in = new InputShape(1, 8, 8);
        MultiLayerConfiguration conf = b.setInputType(in.toInputType()).build();
        return LayerGraph.of(conf, in);
    }
}
