package io.prunestream.apps.inspect;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.group.DependencyGraph;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.CpuBackend;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.LayerGraph;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.nn.imports.ImportedModel;
import io.prunestream.core.nn.imports.ModelImports;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.prune.PruneSelector;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.deeplearning4j.exception.DL4JException;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code ./prunestream inspect MODEL}: what the job would see of a network before any training: its
 * layers (output shape, params, FLOPs), its groups (members, prunable or blocked and why), and the
 * totals now and after pruning at the given ratios ({@link ModelInspection}). MODEL is a model file
 * ({@link ModelImports}: DL4J zip, Keras HDF5, ONNX) or a built-in model name.
 */
@Command(
        name = "inspect",
        description = {
            "Lists a model's layers (output shape, params, FLOPs), its groups (members; prunable,"
                    + " or blocked and why) and params and FLOPs now and after pruning at the"
                    + " ratios, without training."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:a bug (with its stack trace)",
            "2:bad option, or a model file that cannot be read or imported (one line naming the"
                    + " file, the node or layer and the reason)"
        })
public final class InspectCommand implements Callable<Integer> {
    /** The job's defaults (PruneOptions), which the options below repeat for picocli's help. */
    static final String DEFAULT_RATIOS = "0.5";

    static final String DEFAULT_GROUPS = "inner";
    static final String DEFAULT_SAMPLE_SHAPE = "1,28,28";
    static final String DEFAULT_CLASSES = "10";
    static final long DEFAULT_SEED = 1;

    @Spec CommandSpec spec;

    @Parameters(
            index = "0",
            paramLabel = "MODEL",
            description =
                    "A model file (DL4J zip, Keras 2 .h5, ONNX) or a built-in model: small-cnn,"
                            + " lenet, vgg, resnet.")
    String model;

    @Option(
            names = "--input",
            paramLabel = "C,H,W|F",
            description =
                    "Sample shape: channels,height,width or a number of features (default: what"
                            + " the file states; a built-in model's is "
                            + DEFAULT_SAMPLE_SHAPE
                            + ", the job's data.sample-shape).")
    String input;

    @Option(
            names = "--ratios",
            paramLabel = "R",
            defaultValue = DEFAULT_RATIOS,
            description =
                    "Pruning ratios as prune.ratios takes them: 0.5, or rules like"
                            + " 'conv2=0.3,default=0.7' (default: ${DEFAULT-VALUE}).")
    String ratios;

    @Option(
            names = "--groups",
            paramLabel = "inner|coupled",
            defaultValue = DEFAULT_GROUPS,
            description =
                    "Which groups pruning may remove, as prune.groups: inner or coupled (default:"
                            + " ${DEFAULT-VALUE}).")
    String groups;

    @Option(
            names = "--json",
            description = "Print one JSON document instead of text (fields: see README).")
    boolean json;

    @Option(
            names = "--depth",
            paramLabel = "N",
            defaultValue = "0",
            description =
                    "Built-in model only, as prune.model.depth: VGG 11/13/16/19, ResNet 6n+2;"
                            + " 0 = VGG 11, ResNet 20 (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(
            names = "--width",
            paramLabel = "W",
            defaultValue = "1.0",
            description =
                    "Built-in model only, as prune.model.width: channel multiplier (default:"
                            + " ${DEFAULT-VALUE}).")
    double width;

    @Option(
            names = "--classes",
            paramLabel = "N",
            defaultValue = DEFAULT_CLASSES,
            description = "Built-in model only, as data.classes (default: ${DEFAULT-VALUE}).")
    int classes;

    @Override
    public Integer call() {
        CpuBackend.configure();
        GroupScope scope = option("--groups", groups, GroupScope::parse);
        LayerRatios r = option("--ratios", ratios, LayerRatios::parse);
        InputShape shape = input == null ? null : option("--input", input, InspectCommand::shape);
        Loaded m = load(shape);
        ImportanceCriterion importance = ImportanceCriterion.L1; // the job's prune.importance
        try {
            PruneSelector.select(
                    m.network(),
                    DependencyGraph.of(m.network()).groups(scope),
                    r,
                    importance.importance());
        } catch (IllegalArgumentException e) { // a rule naming a layer that cannot be pruned
            throw new UsageException("--ratios '" + ratios + "': " + e.getMessage(), e);
        }
        ModelInspection report =
                ModelInspection.of(
                        m.name(),
                        m.format(),
                        m.network(),
                        m.classes(),
                        scope,
                        ratios,
                        r,
                        importance);
        spec.commandLine().getOut().print(json ? report.json() + "\n" : report.text());
        spec.commandLine().getOut().flush();
        return 0;
    }

    private record Loaded(String name, String format, Network network, int classes) {}

    /** A model file if MODEL names a file, else a built-in model. */
    private Loaded load(InputShape shape) {
        Path file = Path.of(model);
        ModelSpec.Kind kind = Files.exists(file) ? null : builtIn(model);
        if (kind == null) {
            if (spec.commandLine().getParseResult().hasMatchedOption("--depth")
                    || spec.commandLine().getParseResult().hasMatchedOption("--width")
                    || spec.commandLine().getParseResult().hasMatchedOption("--classes")) {
                throw new UsageException(
                        file
                                + ": --depth, --width and --classes are for built-in models; a"
                                + " model file has its own");
            }
            ImportedModel m = ModelImports.read(file);
            if (shape != null) {
                m = m.withInput(shape);
            } else if (m.input() == null) {
                throw new UsageException(
                        file
                                + ": the file does not state its input shape: give it with"
                                + " --input C,H,W (or --input F for features)");
            }
            int outputs =
                    m.classes() != null
                            ? m.classes()
                            : (int)
                                    m.network()
                                            .output(
                                                    Nd4j.zeros(
                                                            DataType.FLOAT,
                                                            m.input().batchShape(1)))
                                            .size(1);
            return new Loaded(file.toString(), m.format(), m.network(), outputs);
        }
        InputShape s = shape != null ? shape : shape(DEFAULT_SAMPLE_SHAPE);
        int d = depth != 0 ? depth : kind == ModelSpec.Kind.VGG ? 11 : 20; // as the job's depth 0
        ModelSpec ms;
        try {
            ms = new ModelSpec(kind, s, classes, d, width, DEFAULT_SEED);
        } catch (IllegalArgumentException e) {
            throw new UsageException(model + ": " + e.getMessage(), e);
        }
        if (s.isVector()) {
            throw new UsageException(
                    "--input " + input + ": " + kind + " takes images: give --input C,H,W");
        }
        Network net;
        try {
            net = ms.build(OptimizerSpec.sgd(0.01, 5e-4));
        } catch (DL4JException e) { // DL4J's own check of the shapes
            throw new UsageException(
                    kind + " cannot be built for input " + s + ": " + oneLine(e), e);
        }
        for (LayerGraph.Node n : net.graph().nodes()) {
            if (n.outputType() instanceof InputType.InputTypeConvolutional c
                    && (c.getHeight() < 1 || c.getWidth() < 1)) {
                throw new UsageException(
                        "--input "
                                + s
                                + ": too small for "
                                + kind
                                + ", whose layer '"
                                + n.label()
                                + "' would output "
                                + ModelInspection.shape(c)
                                + ": give a larger --input");
            }
        }
        return new Loaded(kind.toString(), "built-in", net, classes);
    }

    /** The built-in model MODEL names, or null when it names none (then it is a file). */
    private static ModelSpec.Kind builtIn(String name) {
        if (name.contains("/") || name.contains(".")) {
            return null; // a path: ModelImports says what is wrong with it
        }
        try {
            return ModelSpec.Kind.parse(name);
        } catch (IllegalArgumentException e) {
            throw new UsageException(
                    "'"
                            + name
                            + "' is no model file and no built-in model: give a path, or one of"
                            + " small-cnn, lenet, vgg, resnet");
        }
    }

    /** {@code C,H,W} (or {@code CxHxW}) or a number of features. */
    static InputShape shape(String s) {
        return InputShape.parse(s.replace(',', 'x'));
    }

    private static <T> T option(
            String name, String value, java.util.function.Function<String, T> parse) {
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw new UsageException(name + " '" + value + "': " + e.getMessage(), e);
        }
    }

    private static String oneLine(Throwable e) {
        String m = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return m.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
