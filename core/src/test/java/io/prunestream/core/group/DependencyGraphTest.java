package io.prunestream.core.group;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.group.Group.Member;
import io.prunestream.core.group.Group.Slice;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.prune.L1Norm;
import io.prunestream.core.prune.L2Norm;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.prune.PrunePlan;
import io.prunestream.core.prune.PruneSelector;
import io.prunestream.core.schedule.Granularity;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * The groups of hand-built networks, worked out by hand from their layers (see {@link
 * GraphFixtures}): which layers each group touches, at which positions, and why a group is blocked.
 */
class DependencyGraphTest {

    private static Map<String, Group> groups(Network net, GroupScope scope) {
        Map<String, Group> out = new LinkedHashMap<>();
        DependencyGraph.of(net).groups(scope).forEach(g -> out.put(g.name(), g));
        return out;
    }

    private static Member member(Group g, String node, Slice slice) {
        return g.members().stream()
                .filter(m -> m.node().equals(node) && m.slice() == slice)
                .findFirst()
                .orElseThrow(() -> new AssertionError(node + " " + slice + " not in " + g));
    }

    /** unitOf for {@code width} positions: units 0..n-1 at {@code offset}, -1 elsewhere. */
    private static int[] slice(int width, int offset, int n) {
        int[] out = new int[width];
        for (int i = 0; i < width; i++) {
            out[i] = i >= offset && i < offset + n ? i - offset : -1;
        }
        return out;
    }

    /** Each of n units repeated {@code times} in a row: 0,0,1,1,... */
    private static int[] blocks(int n, int times) {
        return IntStream.range(0, n * times).map(i -> i / times).toArray();
    }

    /** The units 0..n-1, {@code times} over: 0,1,..,n-1,0,1,... */
    private static int[] cycles(int n, int times) {
        return IntStream.range(0, n * times).map(i -> i % n).toArray();
    }

    @Test
    void mlpHiddenLayersAreNeuronGroupsAndTheOutputLayerIsNone() {
        Map<String, Group> g = groups(GraphFixtures.mlp(), GroupScope.INNER);

        // layers 0 h1, 1 h1_bn, 2 h2, 3 drop, 4 h3, 5 out
        assertThat(g.keySet()).containsExactly("0", "2", "4");
        assertThat(g.values()).allMatch(Group::prunable);
        assertThat(g.values()).allMatch(x -> x.kind() == Group.Kind.NEURONS);
        Group h1 = g.get("0");
        assertThat(h1.members())
                .extracting(Member::label, Member::slice, Member::weightAxis)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple("h1", Slice.OUT, 1),
                        org.assertj.core.groups.Tuple.tuple("h1_bn", Slice.NORM, -1),
                        org.assertj.core.groups.Tuple.tuple("h2", Slice.IN, 0));
        // h1 reads the input (through DL4J's flatten of the [12, 1, 1] input): kept unless named
        assertThat(h1.readsNetworkInput()).isTrue();
        assertThat(h1.keptUnlessNamed()).isTrue();
        // in a network without convolutions, the default ratio applies to the other dense layers
        assertThat(g.get("2").keptUnlessNamed()).isFalse();
        assertThat(g.get("4").nodes(Slice.IN)).containsExactly("5");
    }

    @Test
    void inceptionConcatInputsMapToTheirOffsetsInTheReadersInputs() {
        Network net = GraphFixtures.inception();
        Map<String, Group> inner = groups(net, GroupScope.INNER);
        String concat =
                "its output reaches MergeVertex 'cat', which needs a fixed channel count (a"
                        + " concatenation); prune.groups: coupled prunes the channels it carries";
        assertThat(inner.get("stem").blockedBy()).isEqualTo(concat);
        assertThat(inner.get("b1").blockedBy()).isEqualTo(concat);
        assertThat(inner.get("b2b").blockedBy()).isEqualTo(concat);
        assertThat(inner.get("b3").blockedBy()).isEqualTo(concat);
        assertThat(inner.get("b2a").prunable()).isTrue();
        assertThat(inner.get("head").prunable()).isTrue();

        Map<String, Group> coupled = groups(net, GroupScope.COUPLED);
        assertThat(coupled.values()).allMatch(Group::prunable);
        // cat = [b1 (4), b2 (6), b3 (2), stem (8)]: 20 channels
        int[][] expected = {slice(20, 0, 4), slice(20, 4, 6), slice(20, 10, 2), slice(20, 12, 8)};
        String[] roots = {"b1", "b2b", "b3", "stem"};
        for (int i = 0; i < roots.length; i++) {
            Group x = coupled.get(roots[i]);
            assertThat(x.kind()).isEqualTo(Group.Kind.COUPLED);
            assertThat(member(x, "cat_bn", Slice.NORM).unitOf()).isEqualTo(expected[i]);
            assertThat(member(x, "head", Slice.IN).unitOf()).isEqualTo(expected[i]);
            assertThat(member(x, "head", Slice.IN).weightAxis()).isEqualTo(1);
        }
        // the stem's channels also go to three branches, whole
        assertThat(coupled.get("stem").nodes(Slice.IN)).containsExactly("b1", "b2a", "b3", "head");
        assertThat(coupled.get("stem").nodes(Slice.NORM)).containsExactly("stem_bn", "cat_bn");
        // b2a goes straight into b2b: an inner group in both scopes
        assertThat(coupled.get("b2a").kind()).isEqualTo(Group.Kind.FILTERS);
    }

    @Test
    void resnetProjectionShortcutsMakeOneStreamGroupPerStage() {
        Map<String, Group> g = groups(GraphFixtures.resnet20(), GroupScope.COUPLED);

        assertThat(g.keySet())
                .containsExactly(
                        "stem_conv",
                        "s1b0_conv1",
                        "s1b1_conv1",
                        "s1b2_conv1",
                        "s2b0_conv1",
                        "s2b0_conv2",
                        "s2b1_conv1",
                        "s2b2_conv1",
                        "s3b0_conv1",
                        "s3b0_conv2",
                        "s3b1_conv1",
                        "s3b2_conv1");
        assertThat(g.values()).allMatch(Group::prunable);
        Group s1 = g.get("stem_conv");
        assertThat(s1.kind()).isEqualTo(Group.Kind.COUPLED);
        assertThat(s1.size()).isEqualTo(8);
        assertThat(s1.nodes(Slice.OUT))
                .containsExactly("stem_conv", "s1b0_conv2", "s1b1_conv2", "s1b2_conv2");
        assertThat(s1.nodes(Slice.NORM))
                .containsExactly("stem_bn", "s1b0_bn2", "s1b1_bn2", "s1b2_bn2");
        assertThat(s1.nodes(Slice.IN))
                .containsExactly(
                        "s1b0_conv1", "s1b1_conv1", "s1b2_conv1", "s2b0_conv1", "s2b0_sc_conv");
        // the stem reads the input, the other producers do not: the default ratio applies
        assertThat(s1.readsNetworkInput()).isFalse();
        Group s2 = g.get("s2b0_conv2");
        assertThat(s2.nodes(Slice.OUT))
                .containsExactly("s2b0_conv2", "s2b0_sc_conv", "s2b1_conv2", "s2b2_conv2");
        assertThat(g.get("s3b0_conv2").nodes(Slice.IN))
                .containsExactly("s3b1_conv1", "s3b2_conv1", "out");
    }

    /**
     * The built-in ResNet's option-A shortcut appends the subsampled input scaled by 0 as the new
     * channels, so stage 2's channels c and 8 + c both come from stage 1's channel c: the stream is
     * one group of 8 units, each one channel of stage 1, two of stage 2 and four of stage 3.
     */
    @Test
    void optionAShortcutsTieTheStagesIntoOneStream() {
        Network net =
                ModelSpec.resnet(20, 0.5, new InputShape(3, 12, 12), 5, 3)
                        .build(OptimizerSpec.sgd(0.05, 5e-4));
        Map<String, Group> g = groups(net, GroupScope.COUPLED);

        assertThat(g).hasSize(1 + 9);
        Group stream = g.get("stem_conv");
        assertThat(stream.size()).isEqualTo(8);
        assertThat(stream.nodes(Slice.OUT)).hasSize(1 + 9);
        assertThat(member(stream, "s1b2_bn2", Slice.NORM).unitOf()).isEqualTo(cycles(8, 1));
        assertThat(member(stream, "s2b2_bn2", Slice.NORM).unitOf()).isEqualTo(cycles(8, 2));
        assertThat(member(stream, "s3b2_bn2", Slice.NORM).unitOf()).isEqualTo(cycles(8, 4));
        assertThat(member(stream, "out", Slice.IN).unitOf()).isEqualTo(cycles(8, 4));
    }

    @Test
    void depthwiseConvsFollowTheirProducersChannels() {
        Map<String, Group> g = groups(GraphFixtures.separable(), GroupScope.INNER);

        // dw_in reads the input: its channels are the data's, no group
        assertThat(g.keySet()).containsExactly("pw0", "pw1", "pw2", "fc");
        assertThat(g.get("pw0").readsNetworkInput()).isTrue();
        assertThat(g.get("pw0").nodes(Slice.DEPTHWISE)).containsExactly("dw1");
        assertThat(g.get("pw0").nodes(Slice.NORM)).containsExactly("bn1", "bn2");
        Group pw1 = g.get("pw1");
        Member dw2 = member(pw1, "dw2", Slice.DEPTHWISE);
        assertThat(dw2.unitOf()).isEqualTo(cycles(12, 1));
        assertThat(dw2.weightAxis()).isEqualTo(2);
        // multiplier 2: pw2 reads channels 2c and 2c+1 of dw2 for pw1's channel c
        assertThat(member(pw1, "pw2", Slice.IN).unitOf()).isEqualTo(blocks(12, 2));
        // in a network with convolutions a dense layer is pruned only when named
        assertThat(g.get("fc").keptUnlessNamed()).isTrue();
        assertThat(g.get("fc").kind()).isEqualTo(Group.Kind.NEURONS);
    }

    @Test
    void aFlattenVertexMapsEachChannelToItsBlockOfDenseInputs() {
        Map<String, Group> g = groups(GraphFixtures.vggBn(), GroupScope.INNER);

        Group conv3 = g.get("conv3");
        assertThat(member(conv3, "flat", Slice.FLATTEN).unitOf()).isEqualTo(cycles(16, 1));
        // 16 channels of 2x2, flattened channel by channel
        assertThat(member(conv3, "fc1", Slice.IN).unitOf()).isEqualTo(blocks(16, 4));
        assertThat(g.get("fc1").nodes(Slice.PASS)).containsExactly("drop");
        assertThat(g.get("fc2").nodes(Slice.IN)).containsExactly("out");
    }

    @Test
    void aConvWhoseFiltersFallIntoTwoGroupsNamesThemInOrder() {
        Map<String, Group> g = groups(GraphFixtures.concatIntoAdd(), GroupScope.COUPLED);

        assertThat(g.keySet()).containsExactly("p#0", "p#1", "c");
        Group first = g.get("p#0");
        assertThat(first.node()).isEqualTo("p");
        assertThat(first.size()).isEqualTo(4);
        assertThat(first.nodes(Slice.OUT)).containsExactly("p", "a");
        assertThat(member(first, "p", Slice.OUT).unitOf()).isEqualTo(slice(10, 0, 4));
        assertThat(member(first, "p_bn", Slice.NORM).unitOf()).isEqualTo(slice(10, 0, 4));
        assertThat(member(first, "c", Slice.IN).unitOf()).isEqualTo(slice(10, 0, 4));
        Group second = g.get("p#1");
        assertThat(second.nodes(Slice.OUT)).containsExactly("p", "b");
        assertThat(member(second, "c", Slice.IN).unitOf()).isEqualTo(slice(10, 4, 6));
        assertThat(Group.nodeOf("p#1", List.of("p", "a", "b", "c"))).isEqualTo("p");
        // both read the input, so the default ratio leaves them alone
        assertThat(first.keptUnlessNamed()).isTrue();
    }

    /**
     * The coupled group of two convs joined by an add: its importance per channel is the sum of
     * both convs' filter norms, computed by hand from weights set by hand.
     */
    @Test
    void aCoupledGroupsImportanceIsTheSumOfItsMembersNorms() {
        Network net =
                build(
                        g ->
                                g.addLayer("A", GraphFixtures.conv(2, 1), "in")
                                        .addLayer("B", GraphFixtures.conv(2, 1), "in")
                                        .addVertex("add", add(), "A", "B")
                                        .addLayer("C", GraphFixtures.conv(3, 1), "add")
                                        .addLayer("gap", GraphFixtures.gap(), "C")
                                        .addLayer("out", GraphFixtures.output(), "gap"),
                        new InputShape(2, 3, 3));
        // [out, in, 1, 1]: A's filters [1, -2] and [0.5, 0.5], B's [3, 1] and [-1, -4]
        net.param("A_W").assign(Nd4j.createFromArray(1f, -2f, 0.5f, 0.5f).reshape(2, 2, 1, 1));
        net.param("B_W").assign(Nd4j.createFromArray(3f, 1f, -1f, -4f).reshape(2, 2, 1, 1));
        Group ab = groups(net, GroupScope.COUPLED).get("A");

        assertThat(ab.nodes(Slice.OUT)).containsExactly("A", "B");
        // L1: channel 0: 3 + 4, channel 1: 1 + 5 (C's weights do not count: they stay)
        assertThat(new L1Norm().groupScores(ab, net)).containsExactly(7.0, 6.0);
        // L2: sqrt(5) + sqrt(10), sqrt(0.5) + sqrt(17)
        assertThat(new L2Norm().groupScores(ab, net))
                .containsExactly(
                        new double[] {Math.sqrt(5) + Math.sqrt(10), Math.sqrt(0.5) + Math.sqrt(17)},
                        org.assertj.core.data.Offset.offset(1e-6));
        // A and B read the input: the group is pruned when a rule names one of them
        assertThat(
                        PruneSelector.select(
                                        net,
                                        Granularity.FILTER,
                                        GroupScope.COUPLED,
                                        LayerRatios.uniform(0.5),
                                        new L1Norm())
                                .pruned())
                .containsOnlyKeys("C");
        PrunePlan plan =
                PruneSelector.select(
                        net,
                        Granularity.FILTER,
                        GroupScope.COUPLED,
                        LayerRatios.parse("B=0.5"),
                        new L1Norm());
        assertThat(plan.pruned()).containsOnlyKeys("A");
        assertThat(plan.prunedOf("A")).containsExactly(1);
        // inner: the add blocks both, and naming one is an error that says why
        assertThatThrownBy(
                        () ->
                                PruneSelector.select(
                                        net,
                                        Granularity.FILTER,
                                        LayerRatios.parse("B=0.5"),
                                        new L1Norm()))
                .hasMessage(
                        "layer 'B' cannot be pruned: its output reaches ElementWiseVertex 'add',"
                                + " which needs a fixed channel count (a residual add);"
                                + " prune.groups: coupled prunes the channels it adds as one"
                                + " group; set its ratio to 0 or remove the rule");
    }

    @Test
    void whatTheFinderDoesNotKnowBlocksWithTheLayerAndItsType() {
        Map<String, Group> lrn =
                groups(
                        build(
                                g ->
                                        g.addLayer("a", GraphFixtures.conv(4, 3), "in")
                                                .addLayer(
                                                        "lrn",
                                                        new LocalResponseNormalization.Builder()
                                                                .build(),
                                                        "a")
                                                .addLayer("b", GraphFixtures.conv(4, 3), "lrn")
                                                .addLayer("c", GraphFixtures.conv(3, 3), "b")
                                                .addLayer(
                                                        "sm",
                                                        GraphFixtures.act(Activation.SOFTMAX),
                                                        "c")
                                                .addLayer("gap", GraphFixtures.gap(), "sm")
                                                .addLayer(
                                                        "d",
                                                        GraphFixtures.dense(5, Activation.SOFTMAX),
                                                        "gap")
                                                .addLayer(
                                                        "e",
                                                        GraphFixtures.dense(6, Activation.RELU),
                                                        "d")
                                                .addVertex("sub", new SubsetVertex(0, 3), "e")
                                                .addLayer(
                                                        "f",
                                                        GraphFixtures.dense(4, Activation.RELU),
                                                        "sub")
                                                .addLayer(
                                                        "loss",
                                                        new LossLayer.Builder(
                                                                        LossFunctions.LossFunction
                                                                                .MCXENT)
                                                                .activation(Activation.SOFTMAX)
                                                                .build(),
                                                        "f"),
                                new InputShape(3, 6, 6)),
                        GroupScope.COUPLED);

        assertThat(lrn.get("a").blockedBy())
                .isEqualTo(
                        "its output reaches LocalResponseNormalization 'lrn', which prunestream"
                                + " cannot slice");
        assertThat(lrn.get("b").prunable()).isTrue();
        assertThat(lrn.get("c").blockedBy())
                .isEqualTo("its output reaches ActivationLayer 'sm', whose softmax mixes channels");
        assertThat(lrn.get("d").blockedBy())
                .isEqualTo("DenseLayer 'd': its softmax activation mixes its outputs");
        assertThat(lrn.get("e").blockedBy())
                .isEqualTo("its output reaches SubsetVertex 'sub', which prunestream cannot slice");
        assertThat(lrn.get("f").blockedBy())
                .isEqualTo("its channels reach the network output at 'loss'");
    }

    @Test
    void channelsAddedToTheInputOrToAnUnknownLayersOutputAreBlockedWhenCoupled() {
        Network net =
                build(
                        g ->
                                g.addLayer("x", GraphFixtures.conv(3, 3), "in")
                                        .addVertex("res", add(), "x", "in")
                                        .addLayer(
                                                "lrn",
                                                new LocalResponseNormalization.Builder().build(),
                                                "res")
                                        .addLayer("y", GraphFixtures.conv(3, 3), "res")
                                        .addVertex("join", add(), "y", "lrn")
                                        .addLayer("z", GraphFixtures.conv(4, 3), "join")
                                        .addLayer("gap", GraphFixtures.gap(), "z")
                                        .addLayer("out", GraphFixtures.output(), "gap"),
                        new InputShape(3, 6, 6));
        Map<String, Group> coupled = groups(net, GroupScope.COUPLED);
        assertThat(coupled.get("x").blockedBy())
                .isEqualTo("its channels meet the network input 'in'");
        assertThat(coupled.get("y").blockedBy())
                .isEqualTo(
                        "its channels come from LocalResponseNormalization 'lrn', which"
                                + " prunestream cannot slice");
        assertThat(coupled.get("z").prunable()).isTrue();
        assertThat(groups(net, GroupScope.INNER).get("x").blockedBy())
                .startsWith("its output reaches ElementWiseVertex 'res'");
    }

    private static ElementWiseVertex add() {
        return new ElementWiseVertex(ElementWiseVertex.Op.Add);
    }

    private static Network build(
            Consumer<ComputationGraphConfiguration.GraphBuilder> layers, InputShape in) {
        ComputationGraphConfiguration.GraphBuilder g =
                new NeuralNetConfiguration.Builder()
                        .seed(3)
                        .dataType(DataType.FLOAT)
                        .convolutionMode(ConvolutionMode.Same)
                        .graphBuilder()
                        .addInputs("in")
                        .setInputTypes(in.toInputType());
        layers.accept(g);
        List<String> outputs =
                g.getVertices().containsKey("loss") ? List.of("loss") : List.of("out");
        g.setOutputs(outputs.toArray(new String[0]));
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return Network.of(net, in);
    }
}
