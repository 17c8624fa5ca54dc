package io.prunestream.core.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import io.prunestream.core.group.Group.Member;
import io.prunestream.core.group.Group.Slice;
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
 * The inner groups of the project's networks, worked out by hand from their layer lists (see {@code
 * Models}): which convolutions can lose filters, which cannot and why, and what is sliced with
 * them. (The project's hidden dense layers are groups too: their units with the output layer's
 * inputs.)
 */
class GroupFinderTest {
    private static final OptimizerSpec SGD = OptimizerSpec.sgd(0.05, 5e-4);

    /** A reader of a group: the nodes whose input slice goes with it, and positions per unit. */
    record Consumer(String node, int blockSize) {}

    /**
     * Checks a prunable conv group: its filters, BatchNorm (or none) and one reader that reads
     * {@code reader.blockSize()} inputs per filter, block after block (a dense layer after a
     * flatten).
     */
    private static void assertPrunable(
            Group g,
            String node,
            String label,
            int size,
            String norm,
            Consumer reader,
            boolean first) {
        assertThat(g.name()).isEqualTo(node);
        assertThat(g.node()).isEqualTo(node);
        assertThat(g.label()).isEqualTo(label);
        assertThat(g.kind()).isEqualTo(Group.Kind.FILTERS);
        assertThat(g.size()).isEqualTo(size);
        assertThat(g.blockedBy()).isNull();
        assertThat(g.readsNetworkInput()).isEqualTo(first);
        assertThat(g.nodes(Slice.OUT)).containsExactly(node);
        assertThat(g.members(Slice.OUT).get(0).unitOf()).isEqualTo(identity(size));
        assertThat(g.nodes(Slice.NORM)).isEqualTo(norm == null ? List.of() : List.of(norm));
        assertThat(g.nodes(Slice.IN)).containsExactly(reader.node());
        Member in = g.members(Slice.IN).get(0);
        int[] blocks = new int[size * reader.blockSize()];
        for (int i = 0; i < blocks.length; i++) {
            blocks[i] = i / reader.blockSize();
        }
        assertThat(in.unitOf()).isEqualTo(blocks);
        assertThat(in.weightAxis()).isEqualTo(in.type().equals("DenseLayer") ? 0 : 1);
    }

    private static int[] identity(int n) {
        int[] out = new int[n];
        for (int i = 0; i < n; i++) {
            out[i] = i;
        }
        return out;
    }

    private static List<Group> groupsOf(ModelSpec spec) {
        return DependencyGraph.of(spec.build(SGD)).groups(GroupScope.INNER);
    }

    private static List<Group> convGroups(List<Group> groups) {
        return groups.stream().filter(g -> g.kind() != Group.Kind.NEURONS).toList();
    }

    private static Map<String, Group> byLabel(List<Group> groups) {
        Map<String, Group> out = new LinkedHashMap<>();
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
        List<Group> groups = convGroups(groupsOf(ModelSpec.smallCnn(InputShape.MNIST, 10, 1)));

        assertThat(groups).hasSize(3);
        assertPrunable(groups.get(0), "0", "conv1", 16, "1", new Consumer("4", 1), true);
        assertPrunable(groups.get(1), "4", "conv2", 32, "5", new Consumer("8", 1), false);
        assertPrunable(groups.get(2), "8", "conv3", 64, "9", new Consumer("12", 9), false);
        assertThat(groups.get(2).members(Slice.OUT).get(0).weightKey()).isEqualTo("8_W");
        // the flatten before fc1 loses the pruned channels too
        assertThat(groups.get(2).nodes(Slice.FLATTEN)).containsExactly("12");
    }

    /**
     * LeNet: conv1 5x5 (28 -> 24), pool (12), conv2 5x5 (8), pool (4), fc1: no BatchNorm, and fc1
     * reads 4 x 4 = 16 inputs per conv2 channel.
     */
    @Test
    void lenetHasNoNormsAndADenseBlockOfSixteen() {
        List<Group> groups = convGroups(groupsOf(ModelSpec.lenet(InputShape.MNIST, 10, 1)));

        assertThat(groups)
                .extracting(Group::label, Group::size, g -> g.nodes(Slice.NORM))
                .containsExactly(tuple("conv1", 20, List.of()), tuple("conv2", 50, List.of()));
        assertPrunable(groups.get(0), "0", "conv1", 20, null, new Consumer("2", 1), true);
        assertPrunable(groups.get(1), "2", "conv2", 50, null, new Consumer("4", 16), false);
    }

    /**
     * ResNet-20 at width 0.5 (stages of 8, 16, 32 channels, three blocks each): a block's inner
     * conv1 feeds only bn1, relu1 and conv2, so it is prunable; conv2 and the stem feed a residual
     * add, so they are not.
     */
    @Test
    void resnetOnlyTheInnerConvOfEachBlockIsPrunable() {
        Map<String, Group> g =
                byLabel(groupsOf(ModelSpec.resnet(20, 0.5, new InputShape(3, 12, 12), 5, 3)));

        assertThat(g).hasSize(1 + 9 * 2);
        assertThat(g.values().stream().filter(Group::prunable).map(Group::label))
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
                assertPrunable(
                        g.get(p + "conv1"),
                        p + "conv1",
                        p + "conv1",
                        widths[s - 1],
                        p + "bn1",
                        new Consumer(p + "conv2", 1),
                        false);
                assertThat(g.get(p + "conv2").blockedBy())
                        .contains("ElementWiseVertex '" + p + "add'")
                        .contains("residual add");
            }
        }
        // the stem's channels reach block 1's conv1 and, through the identity shortcut, its add
        Group stem = g.get("stem_conv");
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
        Map<String, Group> g = byLabel(DependencyGraph.of(graph).groups(GroupScope.INNER));

        assertThat(g.get("convA").blockedBy())
                .isEqualTo(
                        "its output reaches LocalResponseNormalization 'lrn', which prunestream"
                                + " cannot slice");
        assertThat(g.get("convB").prunable()).isTrue();
        assertPrunable(g.get("convB"), "2", "convB", 6, null, new Consumer("3", 1), false);
        assertThat(g.get("convC").blockedBy())
                .isEqualTo("its channels reach the network output at 'gap'");

        LayerGraph convLast = sequential(conv("first", 3), conv("last", 2));
        assertThat(
                        byLabel(DependencyGraph.of(convLast).groups(GroupScope.INNER))
                                .get("last")
                                .blockedBy())
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
