package io.prunestream.apps.experiment;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.schedule.PruningMethod;
import io.prunestream.core.schedule.ScheduleParams;
import io.prunestream.core.train.LrSchedule;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;

/**
 * Everything the Table-1 experiment does, as parsed from its command line ({@link Table1Command}
 * holds the defaults and the option names).
 *
 * @param data data sets, each gets its own table
 * @param model network family; {@code depth} for ResNet, {@code width} scales the channels
 * @param seeds one converged base and one set of batch streams per seed
 * @param ratios pruning ratios every variant in {@code variants} runs at
 * @param extraVariants variants that run only at {@code extraRatios} (ablations, strong schedule)
 * @param trainSamples images read from TRAIN; the last {@code validationSamples} of them are the
 *     validation split (the base's plateau rule reads it), the rest are trained on
 * @param testSamples images of TEST the table reports (read once per run, never for a decision)
 * @param baseBatchSize batch of the base training
 * @param baseLr learning-rate stages of the base: each stage runs until the plateau rule stops it
 * @param baseEvalEvery steps between validation evaluations of the base; 0 = one epoch
 * @param basePatience a stage ends when none of its last {@code basePatience} evaluations beats the
 *     best earlier one of the stage by more than {@code baseMinGain}
 * @param baseMaxEpochs the base stops after this many epochs in any case (reported when it does)
 * @param batchSize batch of every step from the prune schedule on
 * @param finetuneIterations fine-tuning steps after pruning, the PRUNE step included (the fixed
 *     budgets)
 * @param convergedLr learning-rate stages of the converged arm's fine-tune, each until the base's
 *     plateau rule ({@code basePatience}, {@code baseMinGain}) ends it, within {@code
 *     baseMaxEpochs} epochs of fine-tuning
 * @param convergedEvalEvery fine-tune steps between validation evaluations in the converged arm; 0
 *     = an epoch at {@code batchSize}, as the base evaluates every epoch
 * @param schedule penalty schedule of the GReg variants
 * @param strongSchedule schedule of {@link Variant#GREG1_STRONG}
 * @param normPenalty BatchNorm penalty of the variants that do not fix their own
 * @param timingReps repetitions of the inference timing (0 = not measured)
 * @param recordBatches keep a fingerprint of every batch each run trains on (tests)
 * @param groups which groups pruning removes (inner: the paper's)
 * @param out where bases, finished runs and the table go; reruns reuse what is there
 * @param results where every base's and run's result is written as JSON for the repository (the
 *     tables are regenerated from these files alone)
 */
public record Table1Settings(
        List<Datasets> data,
        ModelSpec.Kind model,
        int depth,
        double width,
        List<Long> seeds,
        List<Double> ratios,
        List<Variant> variants,
        List<Variant> extraVariants,
        List<Double> extraRatios,
        int trainSamples,
        int validationSamples,
        int testSamples,
        int baseBatchSize,
        List<Double> baseLr,
        long baseEvalEvery,
        int basePatience,
        double baseMinGain,
        int baseMaxEpochs,
        int batchSize,
        double momentum,
        double weightDecay,
        double lrPrune,
        LrSchedule lrFinetune,
        long finetuneIterations,
        List<Double> convergedLr,
        long convergedEvalEvery,
        ScheduleParams schedule,
        ScheduleParams strongSchedule,
        NormPenalty normPenalty,
        int timingReps,
        boolean recordBatches,
        GroupScope groups,
        Path out,
        Path results) {

    public Table1Settings {
        data = List.copyOf(data);
        seeds = List.copyOf(seeds);
        ratios = List.copyOf(ratios);
        variants = List.copyOf(variants);
        extraVariants = List.copyOf(extraVariants);
        extraRatios = List.copyOf(extraRatios);
        baseLr = List.copyOf(baseLr);
        convergedLr = List.copyOf(convergedLr);
        check(!data.isEmpty(), "--data", data, "name at least one data set");
        check(!seeds.isEmpty(), "--seeds", seeds, "name at least one seed");
        check(
                !variants.isEmpty() || !extraVariants.isEmpty(),
                "--variants",
                variants,
                "name at least one variant");
        for (double r : allRatios(ratios, extraRatios)) {
            check(r > 0 && r < 1, "--ratios", r, "use ratios in (0, 1)");
        }
        check(
                validationSamples > 0 && validationSamples < trainSamples,
                "--validation-samples",
                validationSamples,
                "use a number in (0, --train-samples=" + trainSamples + ")");
        check(testSamples > 0, "--test-samples", testSamples, "use a positive number");
        check(!baseLr.isEmpty(), "--base.lr", baseLr, "give at least one rate");
        check(basePatience >= 1, "--base.patience", basePatience, "use 1 or more");
        check(baseMaxEpochs >= 1, "--base.max-epochs", baseMaxEpochs, "use 1 or more");
        check(baseEvalEvery >= 0, "--base.eval-every", baseEvalEvery, "use 0 (an epoch) or more");
        check(
                finetuneIterations >= 1,
                "--finetune-iterations",
                finetuneIterations,
                "use 1 or more");
        check(!convergedLr.isEmpty(), "--converged.lr", convergedLr, "give at least one rate");
        for (double lr : convergedLr) {
            check(lr > 0, "--converged.lr", lr, "use rates > 0");
        }
        check(
                convergedEvalEvery >= 0,
                "--converged.eval-every",
                convergedEvalEvery,
                "use 0 (an epoch) or more");
        check(
                schedule.warmup() == 0,
                "warm-up",
                schedule.warmup(),
                "the experiment regularises from the converged base: use 0");
    }

    private static void check(boolean ok, String option, Object value, String fix) {
        if (!ok) {
            throw new UsageException("invalid " + option + ": " + value + " (" + fix + ")");
        }
    }

    /** Every ratio any variant runs at, ascending. */
    public List<Double> allRatios() {
        return allRatios(ratios, extraRatios);
    }

    private static List<Double> allRatios(List<Double> a, List<Double> b) {
        TreeSet<Double> all = new TreeSet<>(a);
        all.addAll(b);
        return new ArrayList<>(all);
    }

    /** The variants that run at ratio {@code r}, in table order. */
    public List<Variant> variantsAt(double r) {
        List<Variant> out = new ArrayList<>();
        for (Variant v : Variant.values()) {
            if ((ratios.contains(r) && variants.contains(v))
                    || (extraRatios.contains(r) && extraVariants.contains(v))) {
                out.add(v);
            }
        }
        return out;
    }

    /** The network for one seed on data of the given shape. */
    public ModelSpec modelSpec(InputShape input, int classes, long seed) {
        return new ModelSpec(model, input, classes, depth, width, seed);
    }

    /** small-cnn, resnet-20, ... (folder and table names). */
    public String modelName() {
        return model
                + (model == ModelSpec.Kind.RESNET || model == ModelSpec.Kind.VGG ? "-" + depth : "")
                + (width != 1.0 ? String.format(Locale.ROOT, "-w%s", width) : "");
    }

    /** The schedule parameters a variant runs with. */
    public ScheduleParams scheduleOf(Variant v) {
        return (v.setup().strongSchedule() ? strongSchedule : schedule)
                .withPenalty(v.setup().penaltyScale());
    }

    /**
     * R: GReg-1's steps before pruning under the experiment's schedule, the extra fine-tuning of
     * {@link Variant#ONESHOT_L1_EQUAL_STEPS}.
     */
    public long greg1StepsBeforePrune() {
        return stepsBeforePrune(PruningMethod.GREG1);
    }

    /**
     * A method's steps before its PRUNE step under the experiment's schedule (no warm-up): the
     * extra fine-tuning of the one-shot row that matches its total steps.
     */
    public long stepsBeforePrune(PruningMethod m) {
        return m.schedule(schedule).timeline().pruneIteration();
    }
}
