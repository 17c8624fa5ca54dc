package io.prunestream.apps.bench;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.nn.CpuBackend;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Optimizer;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.run.PruningRun;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.NoPruning;
import io.prunestream.core.train.LrSchedule;
import io.prunestream.core.train.RunSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Training throughput (samples/s) of DL4J beside PyTorch for the same nets, batch and optimizer,
 * measured in alternating rounds within one run so machine noise hits both alike. PyTorch runs as a
 * child process when {@code /usr/bin/python3 -c "import torch"} works (Debian {@code
 * python3-torch}).
 */
@Command(
        name = "bench-train",
        description = {
            "Training throughput (samples/s) of DL4J beside PyTorch for the same nets, batch and"
                    + " optimizer, in alternating rounds."
        })
public final class TrainingBenchmark implements Callable<Integer> {
    @Mixin SideBySide sides;

    @Option(
            names = "--seconds",
            paramLabel = "S",
            defaultValue = "10",
            description = "Length of one round of each framework (default: ${DEFAULT-VALUE}).")
    double seconds;

    @Option(
            names = "--python",
            defaultValue = "/usr/bin/python3",
            paramLabel = "PATH",
            description =
                    "Python with torch for the PyTorch side; skipped if it cannot import torch"
                            + " (default: ${DEFAULT-VALUE}).")
    String python;

    @Option(
            names = "--nets",
            paramLabel = "NET",
            split = ",",
            defaultValue = "lenet,small-cnn",
            description = "Nets to measure: lenet, small-cnn (default: ${DEFAULT-VALUE}).")
    List<String> nets;

    /** One net's result: medians over rounds. */
    public record Result(String net, double dl4j, double torch) {
        double ratio() {
            return torch > 0 ? dl4j / torch : Double.NaN;
        }
    }

    @Override
    public Integer call() throws Exception {
        CpuBackend.configure();
        for (String net : nets) {
            build(net); // an unknown net stops the bench before it starts
        }
        boolean torch = torchAvailable(python);
        int threads = Runtime.getRuntime().availableProcessors();
        System.out.printf(
                Locale.ROOT,
                "training throughput, batch %d, %d rounds of %.0f s, %d threads; PyTorch: %s%n",
                sides.batch,
                sides.rounds,
                seconds,
                threads,
                torch ? "yes" : "not available (apt-get install -y python3-torch)");
        Path script = torch ? extractScript() : null;
        List<Result> results = new ArrayList<>();
        for (String net : nets) {
            double[] d = new double[sides.rounds];
            double[] t = new double[sides.rounds];
            PruningRun n = build(net);
            DataSet data = randomBatch(sides.batch);
            for (int i = 0; i < 20; i++) {
                n.step(data, null);
            }
            for (int r = 0; r < sides.rounds; r++) {
                d[r] = dl4j(n, data, seconds);
                t[r] = torch ? torch(python, script, net, sides.batch, seconds, threads) : 0;
                System.out.printf(
                        Locale.ROOT,
                        "  %-10s round %d: DL4J %.0f samples/s%s%n",
                        net,
                        r + 1,
                        d[r],
                        torch ? String.format(Locale.ROOT, ", PyTorch %.0f samples/s", t[r]) : "");
            }
            results.add(new Result(net, median(d), median(t)));
        }
        System.out.println();
        System.out.println("| net | DL4J samples/s | PyTorch samples/s | DL4J / PyTorch |");
        System.out.println("|---|---|---|---|");
        for (Result r : results) {
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %.0f | %s | %s |%n",
                    r.net(),
                    r.dl4j(),
                    torch ? String.format(Locale.ROOT, "%.0f", r.torch()) : "n/a",
                    torch ? String.format(Locale.ROOT, "%.2f", r.ratio()) : "n/a");
        }
        return 0;
    }

    /** The benchmark net as a plain-training run: the same loop the stream and Table 1 drive. */
    static PruningRun build(String net) {
        return switch (net) {
            case "lenet" -> run(ModelSpec.lenet(InputShape.MNIST, 10, 1), OptimizerSpec.adam(1e-3));
            case "small-cnn" ->
                    run(
                            ModelSpec.smallCnn(InputShape.MNIST, 10, 1),
                            new OptimizerSpec(Optimizer.SGD, 0.01, 0.9, 5e-4));
            default ->
                    throw new UsageException(
                            "--nets: unknown net '" + net + "', use lenet and/or small-cnn");
        };
    }

    private static PruningRun run(ModelSpec model, OptimizerSpec optimizer) {
        LrSchedule lr = LrSchedule.constant(optimizer.learningRate());
        RunSpec spec =
                new RunSpec(
                        model.kind().toString(),
                        model,
                        optimizer,
                        new NoPruning(),
                        Granularity.FILTER,
                        LayerRatios.uniform(0),
                        ImportanceCriterion.L1,
                        lr,
                        optimizer.learningRate(),
                        lr,
                        64,
                        NormPenalty.OFF);
        return PruningRun.create(RunSettings.quiet(spec), null);
    }

    static DataSet randomBatch(int batch) {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, batch, 1, 28, 28);
        INDArray y = Nd4j.zeros(DataType.FLOAT, batch, 10);
        for (int i = 0; i < batch; i++) {
            y.putScalar(i, i % 10, 1f);
        }
        return new DataSet(x, y);
    }

    static double dl4j(PruningRun n, DataSet data, double seconds) {
        long n0 = System.nanoTime();
        long steps = 0;
        while (System.nanoTime() - n0 < seconds * 1e9) {
            n.step(data, null);
            steps++;
        }
        return steps * data.numExamples() / ((System.nanoTime() - n0) / 1e9);
    }

    static boolean torchAvailable(String python) {
        try {
            Process p =
                    new ProcessBuilder(python, "-c", "import torch")
                            .redirectErrorStream(true)
                            .start();
            p.getInputStream().readAllBytes();
            return p.waitFor() == 0;
        } catch (IOException | InterruptedException e) {
            return false;
        }
    }

    static Path extractScript() throws IOException {
        Path f = Files.createTempFile("prunestream-torch-bench", ".py");
        f.toFile().deleteOnExit();
        try (InputStream in = TrainingBenchmark.class.getResourceAsStream("torch_bench.py")) {
            Files.write(f, in.readAllBytes());
        }
        return f;
    }

    static double torch(
            String python, Path script, String net, int batch, double seconds, int threads)
            throws IOException, InterruptedException {
        Process p =
                new ProcessBuilder(
                                python,
                                script.toString(),
                                net,
                                Integer.toString(batch),
                                Double.toString(seconds),
                                Integer.toString(threads))
                        .redirectErrorStream(true)
                        .start();
        String last = "";
        try (BufferedReader r =
                new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            String line;
            while ((line = r.readLine()) != null) {
                last = line;
            }
        }
        if (p.waitFor() != 0 || !last.startsWith("samples_per_second=")) {
            throw new IOException("PyTorch benchmark failed: " + last);
        }
        return Double.parseDouble(last.substring("samples_per_second=".length()));
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
