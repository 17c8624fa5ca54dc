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
 * measured in alternating rounds within one run so machine noise hits all sides alike. DL4J runs
 * the run loop ({@link PruningRun#step}) twice per round, with the numeric guard on and off, so the
 * guard's cost shows beside it. PyTorch runs as a child process when {@code /usr/bin/python3 -c
 * "import torch"} works (Debian {@code python3-torch}).
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
            defaultValue = "lenet,small-cnn,vgg16,resnet56",
            description =
                    "Nets to measure: lenet, small-cnn (1x28x28), vgg16, resnet56 (3x32x32)"
                            + " (default: ${DEFAULT-VALUE}).")
    List<String> nets;

    /**
     * One net's result: medians over rounds of DL4J with the guard on and off, and of PyTorch;
     * {@code guardCost}: the median over rounds of 1 - on/off.
     */
    public record Result(
            String net,
            long params,
            double dl4j,
            double unguarded,
            double guardCost,
            double torch) {
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
            double[] on = new double[sides.rounds];
            double[] off = new double[sides.rounds];
            double[] cost = new double[sides.rounds];
            double[] t = new double[sides.rounds];
            PruningRun n = build(net);
            DataSet data = randomBatch(sides.batch, n.settings().spec().model().input());
            int warmup = warmupSteps(net);
            for (int i = 0; i < warmup; i++) {
                n.step(data, null);
            }
            for (int r = 0; r < sides.rounds; r++) {
                // guard on first in odd rounds, off first in even ones: neither always follows
                // PyTorch
                boolean onFirst = r % 2 == 0;
                n.trainer().guard(onFirst);
                double first = dl4j(n, data, seconds);
                n.trainer().guard(!onFirst);
                double second = dl4j(n, data, seconds);
                n.trainer().guard(true);
                on[r] = onFirst ? first : second;
                off[r] = onFirst ? second : first;
                cost[r] = 1 - on[r] / off[r];
                t[r] =
                        torch
                                ? torch(python, script, net, sides.batch, seconds, threads, warmup)
                                : 0;
                System.out.printf(
                        Locale.ROOT,
                        "  %-10s round %d: DL4J %.1f samples/s (guard off %.1f)%s%n",
                        net,
                        r + 1,
                        on[r],
                        off[r],
                        torch ? String.format(Locale.ROOT, ", PyTorch %.1f samples/s", t[r]) : "");
            }
            results.add(
                    new Result(
                            net,
                            n.network().numParams(),
                            median(on),
                            median(off),
                            median(cost),
                            median(t)));
        }
        System.out.println();
        System.out.println(
                "| net | params | DL4J samples/s | DL4J, guard off | guard's cost | PyTorch"
                        + " samples/s | DL4J / PyTorch |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|");
        for (Result r : results) {
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %,d | %.1f | %.1f | %+.1f %% | %s | %s |%n",
                    r.net(),
                    r.params(),
                    r.dl4j(),
                    r.unguarded(),
                    100 * r.guardCost(),
                    torch ? String.format(Locale.ROOT, "%.1f", r.torch()) : "n/a",
                    torch ? String.format(Locale.ROOT, "%.2f", r.ratio()) : "n/a");
        }
        return 0;
    }

    /**
     * Steps before the first round: enough for the JIT and oneDNN's kernels, seconds either way.
     */
    static int warmupSteps(String net) {
        return net.equals("vgg16") || net.equals("resnet56") ? 2 : 20;
    }

    private static final InputShape CIFAR = new InputShape(3, 32, 32);

    /** SGD with Nesterov momentum 0.9 and L2 5e-4, the method's optimizer. */
    private static final OptimizerSpec NESTEROV = new OptimizerSpec(Optimizer.SGD, 0.01, 0.9, 5e-4);

    /** The benchmark net as a plain-training run: the same loop the stream and Table 1 drive. */
    static PruningRun build(String net) {
        return switch (net) {
            case "lenet" -> run(ModelSpec.lenet(InputShape.MNIST, 10, 1), OptimizerSpec.adam(1e-3));
            case "small-cnn" -> run(ModelSpec.smallCnn(InputShape.MNIST, 10, 1), NESTEROV);
            case "vgg16" -> run(ModelSpec.vgg(16, 1.0, CIFAR, 10, 1), NESTEROV);
            case "resnet56" -> run(ModelSpec.resnet(56, 1.0, CIFAR, 10, 1), NESTEROV);
            default ->
                    throw new UsageException(
                            "--nets: unknown net '"
                                    + net
                                    + "', use lenet, small-cnn, vgg16 and/or resnet56");
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

    static DataSet randomBatch(int batch, InputShape shape) {
        Nd4j.getRandom().setSeed(1);
        INDArray x = Nd4j.rand(DataType.FLOAT, shape.batchShape(batch));
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
            String python,
            Path script,
            String net,
            int batch,
            double seconds,
            int threads,
            int warmup)
            throws IOException, InterruptedException {
        Process p =
                new ProcessBuilder(
                                python,
                                script.toString(),
                                net,
                                Integer.toString(batch),
                                Double.toString(seconds),
                                Integer.toString(threads),
                                Integer.toString(warmup))
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
