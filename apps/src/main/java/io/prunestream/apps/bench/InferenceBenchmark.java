package io.prunestream.apps.bench;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtException;
import ai.onnxruntime.OrtSession;
import io.prunestream.core.config.UsageException;
import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.CpuBackend;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.nn.exports.OnnxExporter;
import io.prunestream.core.prune.GroupSurgery;
import io.prunestream.core.prune.L1Norm;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.prune.PruneSelector;
import io.prunestream.core.schedule.Granularity;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Inference throughput (samples/s) of a network and its filter-pruned copies in DL4J, in ONNX
 * Runtime (CPU execution provider) on the exported {@code model.onnx}, and in PyTorch running the
 * same ONNX graph op by op ({@code onnx_in_torch.py}; where {@code python3} has torch and onnx).
 * Rounds alternate the frameworks and, within each, the networks, so machine noise hits all alike;
 * a speed-up is the median over rounds of pruned / unpruned measured in the same round, printed
 * beside the FLOPs speed-up ({@link NetworkCost}).
 *
 * <p>Long because it is one measured story: building and pruning, three runtimes, the PyTorch
 * side's check against ONNX Runtime, the rounds and the table.
 */
@Command(
        name = "bench-infer",
        description = {
            "Inference samples/s of unpruned and filter-pruned networks in DL4J, ONNX Runtime and"
                    + " PyTorch, in alternating rounds; measured speed-up beside the FLOPs"
                    + " speed-up."
        })
public final class InferenceBenchmark implements Callable<Integer> {
    private static final InputShape CIFAR = new InputShape(3, 32, 32);

    @Option(
            names = "--models",
            paramLabel = "LIST",
            split = ",",
            defaultValue = "small-cnn,vgg16,resnet56",
            description =
                    "Models: small-cnn, lenet (1x28x28), vggN, resnetN (3x32x32); 10 classes"
                            + " (default: ${DEFAULT-VALUE}).")
    List<String> models;

    @Option(
            names = "--ratios",
            paramLabel = "LIST",
            split = ",",
            defaultValue = "0.5,0.9",
            description = "Filter pruning ratios, each in (0, 1) (default: ${DEFAULT-VALUE}).")
    List<Double> ratios;

    @Option(
            names = "--batch",
            paramLabel = "LIST",
            split = ",",
            defaultValue = "1,256",
            description = "Batch sizes (default: ${DEFAULT-VALUE}).")
    List<Integer> batches;

    @Option(
            names = "--rounds",
            paramLabel = "N",
            defaultValue = "3",
            description = "Alternating rounds; medians are reported (default: ${DEFAULT-VALUE}).")
    int rounds;

    @Option(
            names = "--seconds",
            paramLabel = "S",
            defaultValue = "2",
            description =
                    "Length of one measurement (at least one call) (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(
            names = "--threads",
            paramLabel = "N",
            defaultValue = "0",
            description =
                    "Intra-op threads of ONNX Runtime and PyTorch; 0 = the machine's cores"
                            + " (default: ${DEFAULT-VALUE}). DL4J uses ND4J's OpenMP threads.")
    int threads;

    @Option(
            names = "--ort-spinning",
            description = "Let ONNX Runtime's idle threads spin (its default) instead of sleeping.")
    boolean spinning;

    @Option(
            names = "--python",
            paramLabel = "PATH",
            defaultValue = "/usr/bin/python3",
            description =
                    "Python with torch and onnx for the PyTorch side; skipped if it cannot import"
                            + " them (default: ${DEFAULT-VALUE}).")
    String python;

    /** A network to time: the unpruned one (ratio 0) or a filter-pruned copy. */
    record Net(double ratio, Network network, long flops, Path onnx, OrtSession session) {
        String label() {
            return ratio == 0 ? "unpruned" : "r=" + ratio;
        }
    }

    /** Medians of one model at one batch size, per net: samples/s and speed-up per framework. */
    record Row(
            String model,
            int batch,
            String net,
            long flops,
            double flopsSpeedup,
            double[] rates,
            double[] speedups) {}

    static final String[] FRAMEWORKS = {"DL4J", "ONNX Runtime", "PyTorch"};

    @Override
    public Integer call() throws Exception {
        validate();
        CpuBackend.configure();
        int cores = threads > 0 ? threads : Runtime.getRuntime().availableProcessors();
        boolean torch = canImport(python, "torch, onnx");
        System.out.printf(
                Locale.ROOT,
                "inference throughput, batches %s, %d rounds of %.1f s per measurement, %d"
                        + " threads; PyTorch: %s%n",
                batches,
                rounds,
                seconds,
                cores,
                torch
                        ? "yes (" + python + ", the ONNX graph op by op)"
                        : "not available (apt-get install -y python3-torch python3-onnx)");
        Path dir = Files.createTempDirectory("prunestream-bench-infer");
        Path script = torch ? extractScript() : null;
        List<Row> rows = new ArrayList<>();
        try {
            for (String m : models) {
                rows.addAll(model(m, cores, torch, script, dir));
            }
        } finally {
            try (var files = Files.list(dir)) {
                for (Path f : files.toList()) {
                    Files.deleteIfExists(f);
                }
            }
            Files.deleteIfExists(dir);
        }
        System.out.println();
        System.out.print(table(rows, torch));
        goal(rows);
        return 0;
    }

    private void validate() {
        for (double r : ratios) {
            if (!(r > 0 && r < 1)) {
                throw new UsageException("--ratios: " + r + " is not in (0, 1); e.g. 0.5,0.9");
            }
        }
        for (int b : batches) {
            if (b < 1) {
                throw new UsageException("--batch: " + b + " is not a batch size; e.g. 1,256");
            }
        }
        if (rounds < 1 || !(seconds > 0)) {
            throw new UsageException("--rounds must be >= 1 and --seconds > 0");
        }
        models.forEach(InferenceBenchmark::spec); // an unknown model stops the bench first
    }

    /** The benchmark's network for a model name, 10 classes, seed 1. */
    static ModelSpec spec(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        java.util.regex.Matcher m =
                java.util.regex.Pattern.compile("(vgg|resnet)-?(\\d+)").matcher(n);
        try {
            if (m.matches()) {
                int depth = Integer.parseInt(m.group(2));
                return m.group(1).equals("vgg")
                        ? ModelSpec.vgg(depth, 1.0, CIFAR, 10, 1)
                        : ModelSpec.resnet(depth, 1.0, CIFAR, 10, 1);
            }
        } catch (IllegalArgumentException e) {
            throw new UsageException("--models: " + e.getMessage());
        }
        return switch (n) {
            case "small-cnn" -> ModelSpec.smallCnn(InputShape.MNIST, 10, 1);
            case "lenet" -> ModelSpec.lenet(InputShape.MNIST, 10, 1);
            default ->
                    throw new UsageException(
                            "--models: unknown model '"
                                    + name
                                    + "'; use small-cnn, lenet, vggN (11, 13, 16, 19) or resnetN"
                                    + " (6n+2)");
        };
    }

    private List<Row> model(String name, int cores, boolean torch, Path script, Path dir)
            throws Exception {
        ModelSpec spec = spec(name);
        Network base = spec.build(OptimizerSpec.sgd(0.1, 0));
        List<Net> nets = new ArrayList<>();
        try {
            nets.add(net(name, 0, base, cores, dir));
            for (double r : ratios) {
                Network pruned =
                        GroupSurgery.apply(
                                base.copy(),
                                GroupScope.INNER,
                                PruneSelector.select(
                                        base,
                                        Granularity.FILTER,
                                        LayerRatios.uniform(r),
                                        new L1Norm()));
                nets.add(net(name, r, pruned, cores, dir));
            }
            if (torch) {
                for (Net n : nets) {
                    System.out.printf(
                            Locale.ROOT,
                            "  %-10s %-8s PyTorch vs ONNX Runtime on 8 inputs: max |delta| %.1e%n",
                            name,
                            n.label(),
                            torchCheck(script, n, spec.input()));
                }
            }
            List<Row> rows = new ArrayList<>();
            for (int batch : batches) {
                rows.addAll(rounds(name, batch, nets, spec.input(), cores, torch, script));
            }
            return rows;
        } finally {
            for (Net n : nets) {
                n.session().close();
            }
        }
    }

    private Net net(String name, double ratio, Network net, int cores, Path dir) throws Exception {
        long t0 = System.nanoTime();
        byte[] onnx = OnnxExporter.builder().build().export(net);
        double exportMs = (System.nanoTime() - t0) / 1e6;
        Path file = dir.resolve(name + "-" + ratio + ".onnx");
        Files.write(file, onnx);
        OrtSession session = Ort.session(onnx, cores, spinning);
        long flops = NetworkCost.of(net).flops();
        System.out.printf(
                Locale.ROOT,
                "  %-10s %-8s %,d FLOPs, %,d params, model.onnx %.1f MB (exported in %.0f ms)%n",
                name,
                ratio == 0 ? "unpruned" : "r=" + ratio,
                flops,
                NetworkCost.of(net).params(),
                onnx.length / 1e6,
                exportMs);
        return new Net(ratio, net, flops, file, session);
    }

    private List<Row> rounds(
            String name,
            int batch,
            List<Net> nets,
            InputShape input,
            int cores,
            boolean torch,
            Path script)
            throws Exception {
        Nd4j.getRandom().setSeed(batch);
        INDArray x = Nd4j.rand(DataType.FLOAT, input.batchShape(batch));
        float[] values = x.dup('c').data().asFloat();
        int n = nets.size();
        double[][][] rate = new double[FRAMEWORKS.length][n][rounds];
        try (OnnxTensor tensor =
                OnnxTensor.createTensor(Ort.ENV, FloatBuffer.wrap(values), x.shape())) {
            for (Net net : nets) { // warm-up: workspaces, oneDNN primitives, ORT's arenas
                net.network().output(x);
                net.session().run(Map.of(OnnxExporter.INPUT, tensor)).close();
            }
            for (int r = 0; r < rounds; r++) {
                for (int i = 0; i < n; i++) {
                    Network net = nets.get(i).network();
                    rate[0][i][r] = rate(batch, () -> net.output(x));
                }
                for (int i = 0; i < n; i++) {
                    OrtSession s = nets.get(i).session();
                    rate[1][i][r] = rate(batch, Ort.runner(s, tensor));
                }
                if (torch) {
                    double[] t = torchRates(script, batch, cores, nets);
                    for (int i = 0; i < n; i++) {
                        rate[2][i][r] = t[i];
                    }
                }
                StringBuilder line =
                        new StringBuilder(
                                String.format(
                                        Locale.ROOT,
                                        "  %-10s batch %d round %d:",
                                        name,
                                        batch,
                                        r + 1));
                for (int f = 0; f < (torch ? 3 : 2); f++) {
                    line.append(' ').append(FRAMEWORKS[f]);
                    for (int i = 0; i < n; i++) {
                        line.append(i == 0 ? " " : " / ")
                                .append(String.format(Locale.ROOT, "%.0f", rate[f][i][r]));
                    }
                    line.append(f < (torch ? 2 : 1) ? ";" : " samples/s");
                }
                System.out.println(line);
            }
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            double[] rates = new double[FRAMEWORKS.length];
            double[] speedups = new double[FRAMEWORKS.length];
            for (int f = 0; f < FRAMEWORKS.length; f++) {
                rates[f] = median(rate[f][i]);
                double[] ratio = new double[rounds];
                for (int r = 0; r < rounds; r++) {
                    ratio[r] = rate[f][i][r] / rate[f][0][r];
                }
                speedups[f] = median(ratio);
            }
            Net net = nets.get(i);
            rows.add(
                    new Row(
                            name,
                            batch,
                            net.label(),
                            net.flops(),
                            (double) nets.get(0).flops() / net.flops(),
                            rates,
                            speedups));
        }
        return rows;
    }

    /**
     * ONNX Runtime's side, in a class of its own: picocli reads this command's methods wherever the
     * command line starts, also where ONNX Runtime is absent (the cluster image's job jar), so no
     * method of the command itself names an ONNX Runtime type.
     */
    static final class Ort {
        static final OrtEnvironment ENV = OrtEnvironment.getEnvironment();

        private Ort() {}

        static OrtSession session(byte[] onnx, int cores, boolean spinning) throws OrtException {
            OrtSession.SessionOptions options = new OrtSession.SessionOptions();
            options.setIntraOpNumThreads(cores);
            options.setInterOpNumThreads(1);
            // idle threads sleep instead of spinning, as ND4J's OpenMP threads do here
            // (OMP_WAIT_POLICY=PASSIVE): spinning threads steal the cores of whatever runs beside
            options.addConfigEntry("session.intra_op.allow_spinning", spinning ? "1" : "0");
            return ENV.createSession(onnx, options);
        }

        /** A call of the session on the input (a lambda here, not in the command's methods). */
        static Runnable runner(OrtSession s, OnnxTensor input) {
            return () -> run(s, input);
        }

        static void run(OrtSession s, OnnxTensor input) {
            try (OrtSession.Result r = s.run(Map.of(OnnxExporter.INPUT, input))) {
                r.size();
            } catch (OrtException e) {
                throw new IllegalStateException("ONNX Runtime failed: " + e.getMessage(), e);
            }
        }
    }

    /** Samples/s of repeated calls for {@link #seconds} (at least one call). */
    private double rate(int batch, Runnable call) {
        long t0 = System.nanoTime();
        long calls = 0;
        do {
            call.run();
            calls++;
        } while (System.nanoTime() - t0 < seconds * 1e9);
        return calls * batch / ((System.nanoTime() - t0) / 1e9);
    }

    /** One PyTorch process per round: every net of the model, in order. */
    private double[] torchRates(Path script, int batch, int cores, List<Net> nets)
            throws IOException, InterruptedException {
        List<String> cmd =
                new ArrayList<>(
                        List.of(
                                python,
                                script.toString(),
                                "time",
                                Integer.toString(batch),
                                Double.toString(seconds),
                                Integer.toString(cores)));
        nets.forEach(n -> cmd.add(n.onnx().toString()));
        List<String> lines = runPython(cmd);
        double[] out = new double[nets.size()];
        int i = 0;
        for (String l : lines) {
            if (l.startsWith("samples_per_second=") && i < out.length) {
                out[i++] = Double.parseDouble(l.substring("samples_per_second=".length()));
            }
        }
        if (i != out.length) {
            throw new IOException("PyTorch benchmark failed: " + String.join(" | ", lines));
        }
        return out;
    }

    /** Max |PyTorch - ONNX Runtime| on 8 random inputs: the PyTorch side runs the same network. */
    private double torchCheck(Path script, Net net, InputShape in) throws Exception {
        Nd4j.getRandom().setSeed(8);
        INDArray x = Nd4j.rand(DataType.FLOAT, in.batchShape(8));
        float[] values = x.dup('c').data().asFloat();
        Path src = Files.createTempFile("prunestream-check", ".in");
        Path dst = Files.createTempFile("prunestream-check", ".out");
        try {
            ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
            b.asFloatBuffer().put(values);
            Files.write(src, b.array());
            runPython(
                    List.of(
                            python,
                            script.toString(),
                            "check",
                            net.onnx().toString(),
                            src.toString(),
                            dst.toString(),
                            Integer.toString(in.channels()),
                            Integer.toString(in.height()),
                            Integer.toString(in.width())));
            FloatBuffer torchOut =
                    ByteBuffer.wrap(Files.readAllBytes(dst))
                            .order(ByteOrder.LITTLE_ENDIAN)
                            .asFloatBuffer();
            try (OnnxTensor t =
                            OnnxTensor.createTensor(Ort.ENV, FloatBuffer.wrap(values), x.shape());
                    OrtSession.Result r = net.session().run(Map.of(OnnxExporter.INPUT, t))) {
                FloatBuffer ortOut = ((OnnxTensor) r.get(0)).getFloatBuffer();
                if (ortOut.remaining() != torchOut.remaining()) {
                    throw new IOException("PyTorch gave " + torchOut.remaining() + " values");
                }
                double max = 0;
                for (int i = 0; i < ortOut.remaining(); i++) {
                    max = Math.max(max, Math.abs(ortOut.get(i) - torchOut.get(i)));
                }
                return max;
            }
        } finally {
            Files.deleteIfExists(src);
            Files.deleteIfExists(dst);
        }
    }

    static boolean canImport(String python, String modules) {
        try {
            Process p =
                    new ProcessBuilder(python, "-c", "import " + modules)
                            .redirectErrorStream(true)
                            .start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private static Path extractScript() throws IOException {
        Path f = Files.createTempFile("prunestream-onnx-in-torch", ".py");
        f.toFile().deleteOnExit();
        try (InputStream in = InferenceBenchmark.class.getResourceAsStream("onnx_in_torch.py")) {
            Files.write(f, in.readAllBytes());
        }
        return f;
    }

    static double median(double[] v) {
        double[] s = v.clone();
        java.util.Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static List<String> runPython(List<String> cmd)
            throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        List<String> lines = new ArrayList<>();
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String l = r.readLine(); l != null; l = r.readLine()) {
                lines.add(l);
            }
        }
        if (p.waitFor() != 0) {
            throw new IOException(
                    "PyTorch side failed: "
                            + String.join(
                                    " | ",
                                    lines.subList(Math.max(0, lines.size() - 5), lines.size())));
        }
        return lines;
    }

    static String table(List<Row> rows, boolean torch) {
        StringBuilder s = new StringBuilder();
        s.append("| model | batch | network | FLOPs | FLOPs speed-up");
        int frameworks = torch ? 3 : 2;
        for (int f = 0; f < frameworks; f++) {
            s.append(" | ")
                    .append(FRAMEWORKS[f])
                    .append(" samples/s | ")
                    .append(FRAMEWORKS[f])
                    .append(" speed-up");
        }
        s.append(" |\n|---|---|---|---|---").append("|---|---".repeat(frameworks)).append("|\n");
        for (Row r : rows) {
            boolean base = r.flopsSpeedup() == 1.0 && r.net().equals("unpruned");
            s.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %d | %s | %,d | %s",
                            r.model(),
                            r.batch(),
                            r.net(),
                            r.flops(),
                            base ? "—" : String.format(Locale.ROOT, "%.2f×", r.flopsSpeedup())));
            for (int f = 0; f < frameworks; f++) {
                s.append(String.format(Locale.ROOT, " | %,.0f | ", r.rates()[f]))
                        .append(
                                base
                                        ? "—"
                                        : String.format(
                                                Locale.ROOT,
                                                "%.2f× (%.2f of FLOPs)",
                                                r.speedups()[f],
                                                r.speedups()[f] / r.flopsSpeedup()));
            }
            s.append(" |\n");
        }
        return s.toString();
    }

    /** The goal: on VGG-16 at r = 0.5, ONNX Runtime's speed-up >= 0.8 x FLOPs'. */
    private static void goal(List<Row> rows) {
        for (Row r : rows) {
            if (r.model().replace("-", "").equals("vgg16") && r.net().equals("r=0.5")) {
                double share = r.speedups()[1] / r.flopsSpeedup();
                System.out.printf(
                        Locale.ROOT,
                        "goal, VGG-16 r=0.5 batch %d: ONNX Runtime %.2f× against FLOPs %.2f× ="
                                + " %.2f of it (target >= 0.80): %s%n",
                        r.batch(),
                        r.speedups()[1],
                        r.flopsSpeedup(),
                        share,
                        share >= 0.8 ? "met" : "NOT met");
            }
        }
    }
}
