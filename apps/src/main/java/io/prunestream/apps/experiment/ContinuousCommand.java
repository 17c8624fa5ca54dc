package io.prunestream.apps.experiment;

import io.prunestream.apps.ProgressBars;
import io.prunestream.core.config.UsageException;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.nn.CpuBackend;
import io.prunestream.core.run.CycleSettings;
import io.prunestream.core.store.ModelStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Unmatched;

/**
 * {@code ./prunestream experiment-continuous}: continuous pruning within an accuracy budget from
 * the Table-1 experiment's converged bases, against one-shot GReg-1 at the same final widths and
 * the same total steps. Bases are shared with {@code ./prunestream experiment} (same {@code --out},
 * same base options, which pass through to it).
 */
@Command(
        name = "experiment-continuous",
        abbreviateSynopsis = true,
        usageHelpWidth = 110,
        description = {
            "Continuous pruning from the Table-1 experiment's converged base: per seed, GReg-1"
                    + " cycles within a budget of validation accuracy, every cycle's version tested;"
                    + " then one-shot GReg-1 at the same final widths with the same total steps."
                    + " Options of ./prunestream experiment (base training, --train-samples, ...)"
                    + " pass through."
        })
public final class ContinuousCommand implements Callable<Integer> {

    @Option(
            names = "--data",
            defaultValue = "fashion-mnist",
            description = "Data set (default: ${DEFAULT-VALUE}).")
    String data;

    @Option(
            names = "--seeds",
            split = ",",
            defaultValue = "1,2,3",
            description = "Seeds, each with its own converged base (default: ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(
            names = "--steps",
            defaultValue = "6000",
            description = "Training steps of each run (default: ${DEFAULT-VALUE}).")
    long steps;

    @Option(
            names = "--prune.budget.accuracy-drop",
            defaultValue = "1.0",
            description =
                    "Points of validation accuracy a cycle may lose against the base's (default:"
                            + " ${DEFAULT-VALUE}).")
    double budget;

    @Option(
            names = "--prune.cycle.step",
            defaultValue = "0.25",
            description =
                    "Share of each layer's remaining filters a cycle removes (default:"
                            + " ${DEFAULT-VALUE}).")
    double step;

    @Option(
            names = "--prune.cycle.finetune",
            defaultValue = "500",
            description =
                    "Fine-tuning steps of a cycle before it is judged (default: ${DEFAULT-VALUE}).")
    long finetune;

    @Option(
            names = "--prune.cycle.on-breach",
            defaultValue = "halve",
            description = "stop or halve (default: ${DEFAULT-VALUE}).")
    String onBreach;

    @Option(
            names = "--prune.cycle.max-tries",
            defaultValue = "2",
            description =
                    "With halve: rolled-back cycles in a row that stop the cycles (default:"
                            + " ${DEFAULT-VALUE}).")
    int maxTries;

    @Option(
            names = "--cycle.penalty.delta",
            defaultValue = "0.01",
            description =
                    "δλ of a cycle's GReg-1 growth, K_u = 1, τ = 1 (default: ${DEFAULT-VALUE}).")
    double cycleDelta;

    @Option(
            names = "--cycle.penalty.stabilize",
            defaultValue = "100",
            description = "K_s of a cycle (default: ${DEFAULT-VALUE}).")
    long cycleStabilize;

    @Option(
            names = "--prune.ratios",
            defaultValue = "0.9",
            description =
                    "The most of a layer's filters the cycles may remove in the end (default:"
                            + " ${DEFAULT-VALUE}).")
    double limit;

    @Option(
            names = "--prune.eval.interval",
            defaultValue = "250",
            description =
                    "Steps between validation evaluations between cycles (default:"
                            + " ${DEFAULT-VALUE}).")
    long evalEvery;

    @Option(
            names = "--out",
            defaultValue = "runs/table1",
            description =
                    "Where the bases are (shared with ./prunestream experiment) and the results"
                            + " go (default: ${DEFAULT-VALUE}).")
    Path out;

    @Unmatched List<String> table1 = new ArrayList<>();

    /** The settings these options describe. */
    ContinuousExperiment.Settings settings() {
        List<String> argv = new ArrayList<>(table1);
        argv.addAll(
                List.of(
                        "--data",
                        data,
                        "--seeds",
                        String.join(",", seeds.stream().map(String::valueOf).toList()),
                        "--out",
                        out.toString()));
        return new ContinuousExperiment.Settings(
                Table1Command.parse(argv.toArray(String[]::new)),
                steps,
                new CycleSettings(
                        step,
                        finetune,
                        budget,
                        0,
                        0,
                        CycleSettings.OnBreach.valueOf(onBreach.trim().toUpperCase()),
                        maxTries,
                        2,
                        3),
                cycleDelta,
                cycleStabilize,
                limit,
                evalEvery);
    }

    @Override
    public Integer call() throws Exception {
        CpuBackend.configure();
        ContinuousExperiment.Settings s;
        try {
            s = settings();
        } catch (RuntimeException e) {
            throw UsageException.of(e);
        }
        for (Datasets d : s.table().data()) {
            if (!d.isInstalled()) {
                System.err.println(
                        "experiment-continuous: data set '"
                                + d.id()
                                + "' is not installed. Install it with:\n    "
                                + d.installCommand());
                return 2;
            }
        }
        long t0 = System.nanoTime();
        List<ContinuousExperiment.SeedResult> r =
                ContinuousExperiment.run(s, System.out, ProgressBars.isTerminal());
        String md = ContinuousExperiment.markdown(s, r, (System.nanoTime() - t0) / 1e9);
        Path file = s.table().out().resolve("continuous.md");
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, md);
        ModelStore.writeJson(s.table().out().resolve("continuous.json"), r);
        System.out.println();
        System.out.println(md);
        System.out.println("written to " + file.toAbsolutePath());
        return 0;
    }
}
