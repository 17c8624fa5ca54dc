package io.prunestream.apps.experiment;

import io.prunestream.apps.ProgressBars;
import io.prunestream.core.config.UsageException;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.CpuBackend;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.schedule.ScheduleParams;
import io.prunestream.core.train.LrSchedule;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code ./prunestream experiment}: the command line of the Table-1 experiment. Options that set a
 * run parameter carry the job's configuration key ({@code --prune.penalty.delta}, ...); the strong
 * schedule's use the job's per-run form ({@code --prune.run.greg1-strong.penalty.delta}).
 *
 * <p>Long because it declares every option of the experiment with its help text and default in one
 * place (picocli), and turns them into the experiment's settings.
 */
@Command(
        name = "experiment",
        version = "prunestream experiment (Table 1)",
        abbreviateSynopsis = true,
        usageHelpWidth = 110,
        description = {
            "The paper's Table 1 (one-shot L1 vs GReg on the same pruned filters) on converged"
                    + " bases: every method fine-tuned to a plateau (the primary comparison), the"
                    + " fixed budgets with their equal-total-steps controls, the lambda = 0"
                    + " control, the BatchNorm ablation, several seeds and paired 95%% intervals."
                    + " Bases and finished runs are kept under --out (a rerun skips them); every"
                    + " result is written as JSON under --results, and --report-only prints the"
                    + " tables from those files alone."
        })
public final class Table1Command implements Callable<Integer> {

    @Option(
            names = "--data",
            split = ",",
            defaultValue = "fashion-mnist,mnist",
            description = "Data sets, one table each (default: ${DEFAULT-VALUE}).")
    List<String> data;

    @Option(
            names = "--prune.model",
            defaultValue = "small-cnn",
            description = "Network: small-cnn or resnet (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(
            names = "--prune.model.depth",
            defaultValue = "20",
            description = "ResNet depth 6n+2 (default: ${DEFAULT-VALUE}).")
    int depth;

    @Option(
            names = "--prune.model.width",
            defaultValue = "1.0",
            description = "Channel multiplier (default: ${DEFAULT-VALUE}).")
    double width;

    @Option(
            names = "--seeds",
            split = ",",
            defaultValue = "1,2,3",
            description =
                    "One base and one set of batch streams per seed (default: ${DEFAULT-VALUE}).")
    List<Long> seeds;

    @Option(
            names = "--ratios",
            split = ",",
            defaultValue = "0.5,0.7,0.9",
            description = "Pruning ratios of --variants (default: ${DEFAULT-VALUE}).")
    List<Double> ratios;

    @Option(
            names = "--variants",
            split = ",",
            defaultValue =
                    "oneshot-l1-converged,greg1-converged,greg2-converged,greg1-lambda0-converged,"
                            + "oneshot-l1,oneshot-l1-equal-steps,oneshot-l1-equal-steps-greg2,"
                            + "greg1,greg1-lambda0,greg2",
            description =
                    "Rows at every ratio; the *-converged ones fine-tune to a plateau (default:"
                            + " ${DEFAULT-VALUE}).")
    List<String> variants;

    @Option(
            names = "--extra-variants",
            split = ",",
            defaultValue = "greg1-bn-off,greg2-bn-off,greg2-bn-all,greg1-strong",
            description =
                    "Rows at --extra-ratios only (default: ${DEFAULT-VALUE}); 'none' for none.")
    List<String> extraVariants;

    @Option(
            names = "--extra-ratios",
            split = ",",
            defaultValue = "0.9",
            description = "Ratios of --extra-variants (default: ${DEFAULT-VALUE}).")
    List<Double> extraRatios;

    @Option(
            names = "--train-samples",
            defaultValue = "60000",
            description =
                    "Images read from TRAIN, validation included (default: ${DEFAULT-VALUE}).")
    int trainSamples;

    @Option(
            names = "--validation-samples",
            defaultValue = "5000",
            description =
                    "The last images of TRAIN, held out for the base's plateau rule (default: ${DEFAULT-VALUE}).")
    int validationSamples;

    @Option(
            names = "--test-samples",
            defaultValue = "10000",
            description = "Images of TEST the table reports (default: ${DEFAULT-VALUE}).")
    int testSamples;

    @Option(
            names = "--base.batch-size",
            defaultValue = "128",
            description = "Batch of the base training (default: ${DEFAULT-VALUE}).")
    int baseBatchSize;

    @Option(
            names = "--base.lr",
            split = ",",
            defaultValue = "0.1,0.01,0.001",
            description =
                    "Learning-rate stages of the base, each until a plateau (default: ${DEFAULT-VALUE}).")
    List<Double> baseLr;

    @Option(
            names = "--base.eval-every",
            defaultValue = "0",
            description =
                    "Steps between validation evaluations of the base; 0 = an epoch (default: ${DEFAULT-VALUE}).")
    long baseEvalEvery;

    @Option(
            names = "--base.patience",
            defaultValue = "2",
            description =
                    "A stage ends when none of its last N evaluations beats its earlier best by more than --base.min-gain (default: ${DEFAULT-VALUE}).")
    int basePatience;

    @Option(
            names = "--base.min-gain",
            defaultValue = "0.001",
            description =
                    "Accuracy gain that counts as progress, 0.001 = 0.1 point (default: ${DEFAULT-VALUE}).")
    double baseMinGain;

    @Option(
            names = "--base.max-epochs",
            defaultValue = "30",
            description = "Epoch cap of the base (default: ${DEFAULT-VALUE}).")
    int baseMaxEpochs;

    @Option(
            names = "--prune.batch-size",
            defaultValue = "64",
            description = "Batch from the prune schedule on (default: ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(
            names = "--prune.momentum",
            defaultValue = "0.9",
            description = "SGD (Nesterov) momentum (default: ${DEFAULT-VALUE}).")
    double momentum;

    @Option(
            names = "--prune.weight-decay",
            defaultValue = "5e-4",
            description = "Weight decay, base and pruning (default: ${DEFAULT-VALUE}).")
    double weightDecay;

    @Option(
            names = "--prune.lr.prune",
            defaultValue = "0.01",
            description = "Learning rate while regularising (default: ${DEFAULT-VALUE}).")
    double lrPrune;

    @Option(
            names = "--prune.lr.finetune",
            defaultValue = "0:0.01,1000:0.001",
            description =
                    "Fine-tune learning rate by steps since pruning (default: ${DEFAULT-VALUE}).")
    String lrFinetune;

    @Option(
            names = "--finetune-iterations",
            defaultValue = "1500",
            description = "Fine-tune steps, the prune step included (default: ${DEFAULT-VALUE}).")
    long finetuneIterations;

    @Option(
            names = "--converged.lr",
            split = ",",
            defaultValue = "0.01,0.001",
            description =
                    "Fine-tune learning-rate stages of the *-converged rows, each until the"
                            + " base's plateau rule (--base.patience, --base.min-gain) ends it,"
                            + " within --base.max-epochs epochs (default: ${DEFAULT-VALUE}).")
    List<Double> convergedLr;

    @Option(
            names = "--converged.eval-every",
            defaultValue = "0",
            description =
                    "Fine-tune steps between validation evaluations of the *-converged rows; 0 ="
                            + " an epoch at --prune.batch-size (default: ${DEFAULT-VALUE}).")
    long convergedEvalEvery;

    @Option(
            names = "--prune.groups",
            defaultValue = "inner",
            description =
                    "Groups pruning removes: inner (the paper's) or coupled (default:"
                            + " ${DEFAULT-VALUE}).")
    String groups;

    @Option(
            names = "--prune.penalty.interval",
            defaultValue = "1",
            description = "K_u (default: ${DEFAULT-VALUE}).")
    int interval;

    @Option(
            names = "--prune.penalty.delta",
            defaultValue = "0.002",
            description = "δλ (default: ${DEFAULT-VALUE}).")
    double delta;

    @Option(
            names = "--prune.penalty.ceiling",
            defaultValue = "1.0",
            description = "τ (default: ${DEFAULT-VALUE}).")
    double ceiling;

    @Option(
            names = "--prune.penalty.stabilize",
            defaultValue = "500",
            description = "K_s (default: ${DEFAULT-VALUE}).")
    long stabilize;

    @Option(
            names = "--prune.penalty.pick-delta",
            defaultValue = "1e-4",
            description = "GReg-2 δλ_pick (default: ${DEFAULT-VALUE}).")
    double pickDelta;

    @Option(
            names = "--prune.penalty.pick-ceiling",
            defaultValue = "0.01",
            description = "GReg-2 τ′ (default: ${DEFAULT-VALUE}).")
    double pickCeiling;

    @Option(
            names = "--prune.penalty.recover",
            defaultValue = "-1e-4",
            description = "GReg-2 kept λ after the pick (default: ${DEFAULT-VALUE}).")
    double recover;

    @Option(
            names = "--prune.penalty.batchnorm",
            defaultValue = "pruned",
            description = "BatchNorm γ/β penalty: off, pruned or all (default: ${DEFAULT-VALUE}).")
    String normPenalty;

    @Option(
            names = "--prune.run.greg1-strong.penalty.interval",
            defaultValue = "1",
            description = "Strong schedule K_u (default: ${DEFAULT-VALUE}).")
    int strongInterval;

    @Option(
            names = "--prune.run.greg1-strong.penalty.delta",
            defaultValue = "0.04",
            description = "Strong schedule δλ (default: ${DEFAULT-VALUE}).")
    double strongDelta;

    @Option(
            names = "--prune.run.greg1-strong.penalty.ceiling",
            defaultValue = "20",
            description =
                    "Strong schedule τ; 20 with δλ 0.04 reaches a kept/pruned ratio >= 1000 in every"
                            + " layer at r = 0.9, τ = 10 did not (default: ${DEFAULT-VALUE}).")
    double strongCeiling;

    @Option(
            names = "--prune.run.greg1-strong.penalty.stabilize",
            defaultValue = "500",
            description = "Strong schedule K_s (default: ${DEFAULT-VALUE}).")
    long strongStabilize;

    @Option(
            names = "--timing-reps",
            defaultValue = "15",
            description =
                    "Repetitions of the inference timing; 0 = skip (default: ${DEFAULT-VALUE}).")
    int timingReps;

    @Option(
            names = "--record-batches",
            description =
                    "Keep a fingerprint of every batch each run trains on, to check that compared"
                            + " runs saw the same batches (default: off).")
    boolean recordBatches;

    @Option(
            names = "--out",
            defaultValue = "runs/table1",
            description = "Bases, finished runs and the table (default: ${DEFAULT-VALUE}).")
    Path out;

    @Option(
            names = "--results",
            defaultValue = "results/table1",
            description =
                    "Every base's and run's result as JSON, for the repository; the tables are"
                            + " regenerated from these alone (default: ${DEFAULT-VALUE}).")
    Path results;

    @Option(
            names = "--report-only",
            description =
                    "Train nothing: print the tables from the JSON files under --results alone"
                            + " (the README's Table-1 block).")
    boolean reportOnly;

    @Option(
            names = "--readme",
            description =
                    "With --report-only: also replace the generated block of this file (e.g."
                            + " README.md) with the tables (default: none, print only).")
    Path readme;

    @Spec CommandSpec spec;

    /** The settings these options describe. */
    public Table1Settings settings() {
        ScheduleParams p =
                new ScheduleParams(
                        0,
                        interval,
                        delta,
                        ceiling,
                        stabilize,
                        pickDelta,
                        pickCeiling,
                        recover,
                        1.0);
        ScheduleParams strong =
                p.withGrowth(strongInterval, strongDelta, strongCeiling, strongStabilize);
        return new Table1Settings(
                data.stream().map(Datasets::parse).toList(),
                ModelSpec.Kind.parse(model),
                depth,
                width,
                seeds,
                ratios,
                variants(variants),
                variants(extraVariants),
                extraRatios,
                trainSamples,
                validationSamples,
                testSamples,
                baseBatchSize,
                baseLr,
                baseEvalEvery,
                basePatience,
                baseMinGain,
                baseMaxEpochs,
                batchSize,
                momentum,
                weightDecay,
                lrPrune,
                LrSchedule.parse(lrFinetune),
                finetuneIterations,
                convergedLr,
                convergedEvalEvery,
                p,
                strong,
                NormPenalty.parse(normPenalty),
                timingReps,
                recordBatches,
                GroupScope.parse(groups),
                out,
                results);
    }

    private static List<Variant> variants(List<String> ids) {
        if (ids.size() == 1 && ids.get(0).equals("none")) {
            return List.of();
        }
        return ids.stream().map(Variant::parse).toList();
    }

    /** The tables of every result under {@code results}, from those files alone. */
    public static String report(Path results) {
        return Table1Markdown.report(
                Table1Results.read(results).stream().map(Table1Report::section).toList());
    }

    /** Parses {@code argv} into settings (for tests and other drivers). */
    public static Table1Settings parse(String... argv) {
        Table1Command c = new Table1Command();
        new CommandLine(c).parseArgs(argv);
        return c.settings();
    }

    /** This command's arguments as typed, for the report (without {@code Main}'s own). */
    String arguments() {
        List<String> all = spec.commandLine().getParseResult().originalArgs();
        return String.join(" ", all.subList(all.indexOf(spec.name()) + 1, all.size()));
    }

    @Override
    public Integer call() {
        if (reportOnly) {
            String md = report(results);
            spec.commandLine().getOut().print(md);
            spec.commandLine().getOut().flush();
            if (readme != null) {
                Table1Readme.replaceBlock(readme, md);
                System.err.println("replaced the Table-1 block of " + readme.toAbsolutePath());
            }
            return 0;
        }
        if (readme != null) {
            throw new UsageException("--readme works with --report-only only: add --report-only");
        }
        CpuBackend.configure();
        Table1Settings s;
        try {
            s = settings();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw UsageException.of(e); // a value the settings refuse: one line, exit 2
        }
        for (Datasets d : s.data()) {
            if (!d.isInstalled()) {
                System.err.println(
                        "experiment: data set '"
                                + d.id()
                                + "' is not installed. Install it with:\n    "
                                + d.installCommand());
                return 2;
            }
        }
        String command = ("./prunestream experiment " + arguments()).trim();
        Table1Experiment.Result r =
                Table1Experiment.run(s, System.out, ProgressBars.isTerminal(), command);
        System.out.println();
        System.out.println(Table1Markdown.markdown(r, s));
        System.out.println("written to " + s.out().toAbsolutePath());
        return 0;
    }
}
