package io.prunestream.apps.inspect;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prunestream.apps.JobProcess;
import io.prunestream.apps.Main;
import io.prunestream.core.group.DependencyGraph;
import io.prunestream.core.group.Group;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.LayerGraph;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.nn.imports.ModelImports;
import io.prunestream.core.prune.L1Norm;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.prune.PrunePreview;
import io.prunestream.job.config.PruneOptions;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./prunestream inspect} on model files PyTorch and h5py made (core's fixtures) and on a
 * built-in model: the layers, groups and totals it prints are those of the dependency graph and
 * {@link PrunePreview}; bad files and values are one line and status 2.
 */
class InspectCommandTest {
    /** core's fixtures, from apps' module directory (where surefire runs). */
    static final Path FIXTURES = Path.of("..", "core", "src", "test", "fixtures");

    @TempDir Path tmp;

    private record Result(int exit, String out, String err) {}

    private static Result run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        String[] all = new String[args.length + 1];
        all[0] = "inspect";
        System.arraycopy(args, 0, all, 1, args.length);
        int exit =
                Main.commandLine()
                        .setOut(new PrintWriter(out, true))
                        .setErr(new PrintWriter(err, true))
                        .execute(all);
        return new Result(exit, out.toString(), err.toString());
    }

    private static JsonNode json(String... args) throws IOException {
        String[] all = Arrays.copyOf(args, args.length + 1);
        all[args.length] = "--json";
        Result r = run(all);
        assertThat(r.exit()).as(r.err()).isZero();
        return new ObjectMapper().readTree(r.out());
    }

    private static List<JsonNode> list(JsonNode array) {
        return StreamSupport.stream(array.spliterator(), false).toList();
    }

    /** The document says what the graph and the preview say, group by group and in total. */
    private static void assertMatches(JsonNode doc, Network net, GroupScope scope, String ratios) {
        PrunePreview p = PrunePreview.of(net, scope, LayerRatios.parse(ratios), new L1Norm());
        LayerGraph graph = net.graph();
        assertThat(list(doc.get("layers")).stream().map(l -> l.get("name").asText()))
                .as("one entry per layer, in graph order")
                .containsExactlyElementsOf(
                        graph.nodes().stream().map(LayerGraph.Node::label).toList());
        List<JsonNode> groups = list(doc.get("groups"));
        assertThat(groups).hasSameSizeAs(p.groups());
        for (int i = 0; i < groups.size(); i++) {
            JsonNode g = groups.get(i);
            Group expected = p.groups().get(i);
            assertThat(g.get("name").asText()).isEqualTo(expected.name());
            assertThat(g.get("kind").asText()).isEqualTo(expected.kind().toString());
            assertThat(g.get("size").asInt()).isEqualTo(expected.size());
            assertThat(g.get("prunable").asBoolean()).isEqualTo(expected.prunable());
            assertThat(g.get("blockedBy").isNull() ? null : g.get("blockedBy").asText())
                    .isEqualTo(expected.blockedBy());
            assertThat(g.get("pruned").asInt())
                    .isEqualTo(
                            p.plan().pruned().containsKey(expected.name())
                                    ? p.plan().prunedOf(expected.name()).length
                                    : 0);
            assertThat(list(g.get("members")).stream().map(m -> m.get("layer").asText()))
                    .containsExactlyElementsOf(
                            expected.members().stream().map(Group.Member::label).toList());
        }
        JsonNode t = doc.get("totals");
        assertThat(t.at("/before/params").asLong()).isEqualTo(p.before().params());
        assertThat(t.at("/before/flops").asLong()).isEqualTo(p.before().flops());
        assertThat(t.at("/after/params").asLong()).isEqualTo(p.after().params());
        assertThat(t.at("/after/flops").asLong()).isEqualTo(p.after().flops());
        assertThat(t.get("speedup").asDouble())
                .isEqualTo(
                        p.before().speedupOver(p.after()),
                        org.assertj.core.data.Offset.offset(1e-9));
        // the per-layer counts add up to the totals (BatchNorm listed, not counted)
        long params = 0;
        long flops = 0;
        for (JsonNode l : list(doc.get("layers"))) {
            params += l.get("counted").asBoolean() ? l.get("params").asLong() : 0;
            flops += l.get("flops").asLong();
        }
        assertThat(params).isEqualTo(p.before().params());
        assertThat(flops).isEqualTo(p.before().flops());
    }

    private static long count(JsonNode doc, String kind, boolean prunable) {
        return list(doc.get("groups")).stream()
                .filter(g -> g.get("kind").asText().equals(kind))
                .filter(g -> g.get("prunable").asBoolean() == prunable)
                .count();
    }

    @Test
    void resNet20OnnxInnerBlocksTheResidualStreamAndCoupledPrunesIt() throws IOException {
        Path file = FIXTURES.resolve("resnet20.onnx");
        Network net = ModelImports.read(file).network();

        JsonNode inner = json(file.toString());
        assertThat(inner.get("format").asText()).isEqualTo("onnx");
        assertThat(inner.get("input").asText()).isEqualTo("1x28x28");
        assertThat(inner.get("classes").asInt()).isEqualTo(10);
        assertThat(inner.get("scope").asText()).isEqualTo("inner");
        assertThat(inner.get("ratios").asText()).isEqualTo("0.5");
        assertThat(count(inner, "filters", true)).as("each block's conv1").isEqualTo(9);
        assertThat(count(inner, "filters", false))
                .as("the stem, each block's conv2, two shortcut convs")
                .isEqualTo(12);
        assertThat(list(inner.get("groups")).stream().filter(g -> !g.get("prunable").asBoolean()))
                .allSatisfy(
                        g ->
                                assertThat(g.get("blockedBy").asText())
                                        .contains("ElementWiseVertex 'blocks.")
                                        .contains("(a residual add)"));
        assertMatches(inner, net, GroupScope.INNER, "0.5");

        JsonNode coupled = json(file.toString(), "--groups", "coupled");
        assertThat(count(coupled, "filters", true)).isEqualTo(9);
        assertThat(count(coupled, "coupled", true)).as("one stream group per stage").isEqualTo(3);
        assertThat(list(coupled.get("groups"))).allMatch(g -> g.get("prunable").asBoolean());
        assertMatches(coupled, net, GroupScope.COUPLED, "0.5");
        assertThat(coupled.at("/totals/after/flops").asLong())
                .isLessThan(inner.at("/totals/after/flops").asLong());
    }

    @Test
    void theTextNamesEveryLayerGroupAndTotal() throws IOException {
        Path file = FIXTURES.resolve("resnet20-bn.onnx");
        Result r = run(file.toString(), "--groups", "coupled", "--ratios", "0.25");
        assertThat(r.exit()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        Network net = ModelImports.read(file).network();
        PrunePreview p =
                PrunePreview.of(net, GroupScope.COUPLED, LayerRatios.parse("0.25"), new L1Norm());
        List<String> lines = r.out().lines().toList();
        for (LayerGraph.Node n : net.graph().nodes()) {
            assertThat(lines).as(n.label()).anyMatch(l -> l.startsWith("  " + n.label() + " "));
        }
        for (Group g : p.groups()) {
            assertThat(lines)
                    .as(g.name())
                    .anyMatch(
                            l ->
                                    l.startsWith("  " + g.name() + " (" + g.kind() + ", ")
                                            && l.contains(
                                                    (p.plan().prunedOf(g.name()).length)
                                                            + " of "
                                                            + g.size()
                                                            + " pruned"));
        }
        assertThat(lines)
                .anyMatch(
                        l -> l.matches("  now +" + p.before().params() + " +" + p.before().flops()))
                .anyMatch(
                        l ->
                                l.matches(
                                        "  after +"
                                                + p.after().params()
                                                + " +"
                                                + p.after().flops()
                                                + " .*"))
                .anyMatch(
                        l ->
                                l.startsWith(
                                        String.format(
                                                java.util.Locale.ROOT,
                                                "  speed-up  %.2fx",
                                                p.before().speedupOver(p.after()))));
    }

    @Test
    void kerasFunctionalPrunesStemAndResidualConvOnlyTogether() throws IOException {
        Path file = FIXTURES.resolve("keras_functional.h5");
        Network net = ModelImports.read(file).network();

        JsonNode inner = json(file.toString());
        assertThat(inner.get("format").asText()).isEqualTo("keras");
        assertThat(list(inner.get("groups")))
                .hasSize(4)
                .noneMatch(g -> g.get("prunable").asBoolean());
        assertThat(inner.at("/totals/after")).isEqualTo(inner.at("/totals/before"));
        assertMatches(inner, net, GroupScope.INNER, "0.5");

        JsonNode coupled = json(file.toString(), "--groups", "coupled");
        assertThat(count(coupled, "coupled", true)).isEqualTo(3);
        JsonNode stem = list(coupled.get("groups")).get(0);
        assertThat(stem.get("layer").asText()).isEqualTo("stem");
        assertThat(
                        list(stem.get("members")).stream()
                                .filter(m -> m.get("slice").asText().equals("out"))
                                .map(m -> m.get("layer").asText()))
                .containsExactly("stem", "res_conv");
        assertMatches(coupled, net, GroupScope.COUPLED, "0.5");
    }

    @Test
    void anMlpNeedsNoInputAndKeepsTheLayerReadingTheInputUnlessNamed() throws IOException {
        Path file = FIXTURES.resolve("mlp.onnx");
        Network net = ModelImports.read(file).network();

        JsonNode doc = json(file.toString());
        assertThat(doc.get("input").asText()).isEqualTo("32");
        assertThat(doc.get("classes").asInt()).isEqualTo(4);
        assertThat(count(doc, "neurons", true)).isEqualTo(2);
        JsonNode first = list(doc.get("groups")).get(0);
        assertThat(first.get("keptUnlessNamed").asBoolean()).isTrue();
        assertThat(first.get("pruned").asInt()).isZero();
        assertMatches(doc, net, GroupScope.INNER, "0.5");

        JsonNode named = json(file.toString(), "--ratios", "net.0=0.25,default=0.5");
        assertThat(list(named.get("groups")).get(0).get("pruned").asInt()).isEqualTo(16);
        assertMatches(named, net, GroupScope.INNER, "net.0=0.25,default=0.5");
    }

    @Test
    void aBuiltInModelTakesTheJobsDepthWidthAndShape() throws IOException {
        JsonNode doc =
                json(
                        "resnet",
                        "--depth",
                        "8",
                        "--width",
                        "0.5",
                        "--input",
                        "3,16,16",
                        "--classes",
                        "5");
        assertThat(doc.get("format").asText()).isEqualTo("built-in");
        assertThat(doc.get("model").asText()).isEqualTo("resnet");
        assertThat(doc.get("input").asText()).isEqualTo("3x16x16");
        Network net =
                ModelSpec.resnet(8, 0.5, new InputShape(3, 16, 16), 5, InspectCommand.DEFAULT_SEED)
                        .build(OptimizerSpec.sgd(0.01, 5e-4));
        assertThat(count(doc, "filters", true)).as("a ResNet-8's three inner convs").isEqualTo(3);
        assertMatches(doc, net, GroupScope.INNER, "0.5");

        JsonNode cnn = json("small-cnn");
        assertThat(cnn.get("input").asText()).isEqualTo("1x28x28");
        assertMatches(
                cnn,
                ModelSpec.smallCnn(InputShape.MNIST, 10, InspectCommand.DEFAULT_SEED)
                        .build(OptimizerSpec.sgd(0.01, 5e-4)),
                GroupScope.INNER,
                "0.5");
    }

    /** The defaults are the job's: what inspect shows is what a run with no settings would do. */
    @Test
    void defaultsAreTheJobs() {
        assertThat(InspectCommand.DEFAULT_RATIOS).isEqualTo(PruneOptions.RATIOS.defaultValue());
        assertThat(InspectCommand.DEFAULT_GROUPS)
                .isEqualTo(PruneOptions.GROUPS.defaultValue().toString());
        assertThat(InspectCommand.DEFAULT_SAMPLE_SHAPE)
                .isEqualTo(PruneOptions.SAMPLE_SHAPE.defaultValue());
        assertThat(Integer.parseInt(InspectCommand.DEFAULT_CLASSES))
                .isEqualTo(PruneOptions.CLASSES.defaultValue());
        assertThat(InspectCommand.DEFAULT_SEED).isEqualTo(PruneOptions.SEED.defaultValue());
    }

    /** Exit 2 and exactly one line on stderr, naming {@code text}; nothing on stdout. */
    private static void assertUsage(Result r, String... texts) {
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.out()).isEmpty();
        assertThat(r.err()).doesNotContain("\tat ");
        assertThat(r.err().lines().toList())
                .singleElement()
                .asString()
                .startsWith("prunestream inspect: ")
                .contains(texts);
    }

    @Test
    void badFilesAndValuesAreOneLineAndStatus2() throws IOException {
        byte[] onnx = Files.readAllBytes(FIXTURES.resolve("resnet20.onnx"));
        Path cut = Files.write(tmp.resolve("cut.onnx"), Arrays.copyOf(onnx, onnx.length / 2));
        assertUsage(run(cut.toString()), cut.toString(), "truncated");

        Path lambda = FIXTURES.resolve("keras_lambda.h5");
        assertUsage(run(lambda.toString()), lambda.toString(), "Lambda layer twice");

        Path text = Files.writeString(tmp.resolve("notes.onnx"), "not a model\n");
        assertUsage(run(text.toString()), text.toString(), "not a model file");

        assertUsage(run(tmp.resolve("none.onnx").toString()), "none.onnx", "no such model file");
        assertUsage(run("alexnet"), "'alexnet'", "small-cnn, lenet, vgg, resnet");

        // DL4J does not store a conv net's input: --input gives it
        Path zip = tmp.resolve("cnn.zip");
        Files.write(
                zip,
                ModelSpec.smallCnn(new InputShape(1, 12, 12), 4, 1)
                        .build(OptimizerSpec.sgd(0.1, 0))
                        .toBytes(false));
        assertUsage(run(zip.toString()), zip.toString(), "--input");
        Result given = run(zip.toString(), "--input", "1,12,12");
        assertThat(given.exit()).as(given.err()).isZero();
        assertThat(given.out()).contains("(dl4j): input 1x12x12, 4 classes");
        assertUsage(run(zip.toString(), "--input", "3,12,12"), zip.toString(), "3x12x12");

        Path resnet = FIXTURES.resolve("resnet20.onnx");
        assertUsage(run(resnet.toString(), "--input", "3,32,32"), "1x28x28", "3x32x32");
        assertUsage(
                run(resnet.toString(), "--ratios", "conv=0.5"),
                "--ratios 'conv=0.5'",
                "layer 'conv' cannot be pruned",
                "ElementWiseVertex 'blocks.0.Add'");
        assertUsage(run(resnet.toString(), "--ratios", "half"), "--ratios 'half'");
        assertUsage(run(resnet.toString(), "--groups", "all"), "--groups 'all'", "coupled");
        assertUsage(run(resnet.toString(), "--depth", "56"), "--depth", "built-in");
        assertUsage(run("resnet", "--depth", "7"), "resnet", "6n+2");
        assertUsage(run("resnet", "--input", "32"), "--input 32", "takes images");
        assertUsage(run("lenet", "--input", "1,4,4"), "--input 1x4x4", "'conv1'", "20x0x0");
    }

    /**
     * Through the real entry point in its own JVM, as a user runs it: {@code --json} is the only
     * thing on stdout, and a truncated file is exactly one line on stderr.
     */
    @Test
    void inItsOwnJvmStdoutIsTheDocumentAndAnErrorOneLine() throws Exception {
        Result ok = launch(FIXTURES.resolve("vgg11_bn.onnx").toString(), "--json");
        assertThat(ok.exit()).as(ok.err()).isZero();
        JsonNode doc = new ObjectMapper().readTree(ok.out());
        assertThat(count(doc, "filters", true)).isEqualTo(8);
        assertThat(count(doc, "neurons", true)).isEqualTo(1);

        byte[] h5 = Files.readAllBytes(FIXTURES.resolve("keras_cnn.h5"));
        Path cut = Files.write(tmp.resolve("cut.h5"), Arrays.copyOf(h5, h5.length / 2));
        Result bad = launch(cut.toString());
        assertThat(bad.exit()).isEqualTo(2);
        assertThat(bad.out()).isEmpty();
        assertThat(bad.err().lines().toList())
                .as(bad.err())
                .singleElement()
                .asString()
                .startsWith("prunestream inspect: " + cut)
                .contains("truncated");
    }

    private Result launch(String... args) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JobProcess.jvmOptions("1g"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.add("inspect");
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(tmp, "out", ".txt");
        Path err = Files.createTempFile(tmp, "err", ".txt");
        ProcessBuilder pb =
                new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile());
        pb.environment().putAll(JobProcess.ENV);
        Process p = pb.start();
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        return new Result(
                p.exitValue(),
                Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
    }

    /**
     * The README's {@code inspect} outputs are what the command prints today: every line shown
     * (lines marked … are left out there) appears, in order.
     */
    @Test
    void theReadmesOutputsAreTheCommandsOutputs() throws IOException {
        List<String> readme = Files.readAllLines(Path.of("..", "README.md"));
        int blocks = 0;
        for (int i = 0; i < readme.size(); i++) {
            String prompt = "$ ./prunestream inspect ";
            if (!readme.get(i).startsWith(prompt)) {
                continue;
            }
            blocks++;
            String[] args = readme.get(i).substring(prompt.length()).split(" ");
            String file = args[0];
            args[0] = "../" + file; // from apps' folder, where surefire runs
            Result r = run(args);
            assertThat(r.exit()).as(r.err()).isZero();
            List<String> actual = r.out().replace(args[0], file).lines().toList();
            int at = 0;
            for (int j = i + 1; !readme.get(j).equals("```"); j++) {
                String line = readme.get(j);
                if (line.strip().equals("…")) {
                    continue;
                }
                int found = actual.subList(at, actual.size()).indexOf(line);
                assertThat(found)
                        .as("README line %d not printed (in order): %s", j + 1, line)
                        .isNotNegative();
                at += found + 1;
            }
        }
        assertThat(blocks).as("inspect outputs in the README").isEqualTo(2);
    }

    /** Every group the graph finds is listed, prunable or not (the graph is the source). */
    @Test
    void groupsAreTheDependencyGraphs() throws IOException {
        Path file = FIXTURES.resolve("inception.onnx");
        Network net = ModelImports.read(file).network();
        JsonNode doc = json(file.toString(), "--groups", "coupled");
        assertThat(list(doc.get("groups")).stream().map(g -> g.get("name").asText()))
                .containsExactlyElementsOf(
                        DependencyGraph.of(net).groups(GroupScope.COUPLED).stream()
                                .map(Group::name)
                                .toList());
        // the stem's group carries the depthwise branch
        assertThat(
                        list(list(doc.get("groups")).get(0).get("members")).stream()
                                .filter(m -> m.get("slice").asText().equals("depthwise"))
                                .map(m -> m.get("layer").asText()))
                .containsExactly("b4.0.0");
    }
}
