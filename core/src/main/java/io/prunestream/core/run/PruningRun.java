package io.prunestream.core.run;

import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.Network;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.schedule.ScheduleState;
import io.prunestream.core.store.ModelFiles;
import io.prunestream.core.store.ModelStore;
import io.prunestream.core.store.PruningReport;
import io.prunestream.core.train.HeldOutSet;
import io.prunestream.core.train.HeldOutWindow;
import io.prunestream.core.train.LayerStats;
import io.prunestream.core.train.PrequentialScore;
import io.prunestream.core.train.PruningTrainer;
import io.prunestream.core.train.StepResult;
import io.prunestream.core.train.TrainerState;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One pruning run, the loop every driver shares (the stream operator, the Table-1 experiment, the
 * benchmarks): a mini-batch in, one training step with the schedule's penalty, then the decisions
 * the run makes on its own — when to evaluate, when to compute layer statistics, when to publish a
 * numbered model version — and a training event out. {@link #snapshot()} holds everything that
 * decides the next step; {@link #restore} continues exactly from it.
 *
 * <p>The schedule state comes from outside where a separate operator keeps it ({@link
 * #step(DataSet, ScheduleState, HeldOutSet)}), or from the run's own schedule ({@link
 * #step(DataSet, HeldOutSet)}). A continuous run ({@link RunSettings#cycles()}) always follows its
 * own: its {@link CycleController} decides from the run's accuracy when cycles start, are kept or
 * rolled back, and when drift pauses them. Held-out samples from the stream come in with {@link
 * #holdOut} (a window the run evaluates on); prequential scores are taken before the steps they
 * precede. The run stores nothing: a publication carries the network's bytes and the driver stores
 * them.
 *
 * <p>Long because it is the whole run loop every driver shares: steps, the guard's responses,
 * evaluation, publication and snapshots.
 */
public final class PruningRun {
    private static final Logger LOG = LoggerFactory.getLogger(PruningRun.class);
    private static final int EVAL_BATCH = 500;

    private final RunSettings settings;
    private PruningTrainer trainer; // replaced when a continuous run rolls a cycle back
    private final Path outputDir;
    private final String incarnation;
    private int nextVersion = 1;
    private double lastAccuracy = Double.NaN;
    private double accuracyBeforePrune = Double.NaN;
    private double baseAccuracy = Double.NaN;
    private long publishedIteration = -1;
    private RunState.Guard guard = RunState.Guard.INITIAL;
    private NetworkCost cost; // changes only at pruning; a graph walk per step would cost too much
    private Double startAccuracy; // evaluated at creation, reported with the first step's event
    private HeldOutWindow window; // held-out samples from the stream, null for a fixed set
    private PrequentialScore prequential; // null where batches are not scored
    private CycleController cycles; // null for a run that prunes once
    private HeldOutSet fixedEval; // the driver's held-out set during a step
    private Double evaluatedNow; // the last accuracy evaluated during the current step

    private PruningRun(
            RunSettings settings, PruningTrainer trainer, Path outputDir, String incarnation) {
        this.settings = settings;
        this.trainer = trainer;
        this.outputDir = outputDir;
        this.incarnation = incarnation;
        Evaluation e = settings.evaluation();
        if (e.fromStream()) {
            window = new HeldOutWindow(e.streamWindow(), settings.spec().model().input());
        }
        if (e.prequentialEvery() > 0) {
            prequential = new PrequentialScore(e.prequentialWindow());
        }
        if (settings.continuous()) {
            cycles = new CycleController(settings, CycleState.initial(settings.cycles().step()));
        }
    }

    /**
     * A run on its model's starting network: a built-in one freshly initialised, or a model file
     * read now. Versions are placed under {@code outputDir/<run>/vNNNN} (null: versions carry no
     * path).
     */
    public static PruningRun create(RunSettings settings, Path outputDir) {
        return create(settings, outputDir, null);
    }

    /**
     * As {@link #create(RunSettings, Path)}; a network read from a file is evaluated on {@code
     * eval} (may be null) before any step, and that accuracy is the run's base: the accuracy of the
     * model the user brought. A warm-up, if configured, replaces it with its own last accuracy.
     */
    public static PruningRun create(RunSettings settings, Path outputDir, HeldOutSet eval) {
        PruningRun r =
                new PruningRun(
                        settings,
                        PruningTrainer.create(settings.spec()),
                        outputDir,
                        newIncarnation());
        if (eval != null && settings.spec().model().imported()) {
            r.baseAccuracy = r.evaluate(eval);
            r.startAccuracy = r.baseAccuracy;
        }
        return r;
    }

    /** A run that starts from a given (e.g. pre-trained) network; the network is not copied. */
    public static PruningRun from(RunSettings settings, Network net) {
        return new PruningRun(
                settings, PruningTrainer.from(settings.spec(), net), null, newIncarnation());
    }

    public static PruningRun restore(RunSettings settings, RunState state, Path outputDir) {
        PruningRun r =
                new PruningRun(
                        settings,
                        PruningTrainer.restore(settings.spec(), state.trainer()),
                        outputDir,
                        state.incarnation());
        r.nextVersion = state.nextVersion();
        r.lastAccuracy = state.lastAccuracy();
        r.accuracyBeforePrune = state.accuracyBeforePrune();
        r.baseAccuracy = state.baseAccuracy();
        r.publishedIteration = state.publishedIteration();
        RunState.Guard g = state.guard();
        if (g.paused() && settings.guard().resumePaused()) {
            LOG.warn("run '{}' was paused by its numeric guard; resuming as configured", r.id());
            g = new RunState.Guard(0, g.lrScale(), false, g.rollbacks());
        }
        r.guard = g;
        r.restoreEvaluation(state);
        r.restoreCycles(state);
        return r;
    }

    private void restoreEvaluation(RunState state) {
        Evaluation e = settings.evaluation();
        if (window != null && state.window() != null) {
            window = state.window().copy().resized(e.streamWindow());
        }
        if (prequential != null && state.prequential() != null) {
            prequential =
                    state.prequential().window() == e.prequentialWindow()
                            ? state.prequential().copy()
                            : new PrequentialScore(e.prequentialWindow());
        }
    }

    private void restoreCycles(RunState state) {
        if (state.cycles() != null && !settings.continuous()) {
            throw new IllegalStateException(
                    "run '"
                            + id()
                            + "' is a continuous run in the restored state, but config key"
                            + " 'prune.schedule' is once: a once run cannot continue its cycles;"
                            + " set it back to continuous, or give the new run another id");
        }
        if (settings.continuous()) {
            if (state.cycles() == null && state.trainer().steps() > 0) {
                throw new IllegalStateException(
                        "run '"
                                + id()
                                + "' prunes once in the restored state, but config key"
                                + " 'prune.schedule' is continuous: cycles cannot take over a"
                                + " schedule under way; set it back to once, or give the new run"
                                + " another id");
            }
            if (state.cycles() != null) {
                cycles = new CycleController(settings, state.cycles());
                cycles.resume(trainer);
            }
        }
    }

    public RunState snapshot() {
        return new RunState(
                nextVersion,
                lastAccuracy,
                accuracyBeforePrune,
                baseAccuracy,
                publishedIteration,
                trainer.snapshot(),
                guard,
                incarnation,
                // copies: a state backend may write the snapshot after later steps
                window == null ? null : window.copy(),
                prequential == null ? null : prequential.copy(),
                cycles == null ? null : cycles.state());
    }

    /** A run created from scratch gets a new identity; restores keep it. */
    private static String newIncarnation() {
        return UUID.randomUUID().toString();
    }

    /**
     * This run's identity since it was created from scratch (kept across restores), written in each
     * of its versions; empty for a run restored from state older than incarnations.
     */
    public String incarnation() {
        return incarnation;
    }

    /** The base accuracy: see {@link PruningReport#baseAccuracy()}; NaN until known. */
    public double baseAccuracy() {
        return baseAccuracy;
    }

    /** The numeric guard's counters: bad steps in a row, learning-rate scale, paused. */
    public RunState.Guard guard() {
        return guard;
    }

    public RunSettings settings() {
        return settings;
    }

    public String id() {
        return settings.id();
    }

    public PruningTrainer trainer() {
        return trainer;
    }

    public Network network() {
        return trainer.network();
    }

    /** Steps done so far; the next step's iteration. */
    public long iteration() {
        return trainer.iteration();
    }

    /** What one step produced: its event, and a model version if the run published one. */
    public record Step(TrainingEvent event, Publication publication) {}

    /**
     * One step with the state of the run's own schedule (a continuous run's: its cycles'); {@code
     * eval} may be null.
     */
    public Step step(DataSet batch, HeldOutSet eval) {
        if (cycles != null) {
            return run(batch, null, eval);
        }
        return step(batch, settings.spec().schedule().at(iteration()), eval);
    }

    /**
     * One step in the schedule state {@code s}; {@code eval} may be null (no evaluation). A step
     * that goes non-finite is rolled back (its event says why); a paused run skips the batch but
     * still follows the schedule's pick and prune (its event says so: {@link
     * TrainingEvent#skipped()}). A step that fails for any other reason throws.
     */
    public Step step(DataSet batch, ScheduleState s, HeldOutSet eval) {
        if (cycles != null) {
            throw new IllegalStateException(
                    "run '"
                            + id()
                            + "' is continuous: it follows its own cycles, call step(batch, eval)");
        }
        return run(batch, s, eval);
    }

    /** The step itself; {@code given} is null for a continuous run (its cycles decide). */
    private Step run(DataSet batch, ScheduleState given, HeldOutSet eval) {
        fixedEval = eval;
        evaluatedNow = null;
        try {
            return runStep(batch, given);
        } finally {
            fixedEval = null;
        }
    }

    private Step runStep(DataSet batch, ScheduleState given) {
        Publication published = null;
        List<CycleStatus.Decision> decisions = new ArrayList<>();
        ScheduleState s = given;
        if (cycles != null) {
            CycleController.Outcome before = cycles.beforeStep(this, iteration());
            published = before.publication();
            decisions.addAll(before.decisions());
            s = cycles.scheduleAt(iteration(), trainer);
        }
        score(batch);
        StepResult r = trainer.step(batch, s, !guard.paused(), guard.lrScale());
        String response = respond(r);
        long done = r.iteration() + 1;
        Double accuracy = null;
        if (settings.evalInterval() > 0 && done % settings.evalInterval() == 0 && hasHeldOut()) {
            accuracy = evaluate(heldOut());
            if (r.phase() == Phase.TRAIN
                    && (cycles == null || cycles.state().stage() == CycleState.Stage.WARMUP)) {
                baseAccuracy = accuracy;
            }
        }
        if (cycles != null) {
            CycleController.Outcome after = cycles.afterStep(this, done, accuracy, published);
            if (after.publication() != null) {
                published = after.publication();
            }
            decisions.addAll(after.decisions());
        }
        if (evaluatedNow != null) {
            accuracy = evaluatedNow; // the last network the step evaluated (a decision's)
        }
        if (accuracy == null && startAccuracy != null) {
            accuracy = startAccuracy; // the metrics show the imported network's accuracy at once
        }
        startAccuracy = null;
        List<LayerStats> layers = List.of();
        if (done % settings.statsInterval() == 0 || r.pruned() || r.picked()) {
            layers = new ArrayList<>(trainer.layerStats().values());
        }
        if (cycles == null && trainer.isPruned()) {
            long since = r.iteration() - trainer.prunedAt();
            if (since == 0
                    || (settings.publishInterval() > 0
                            && since % settings.publishInterval() == 0)) {
                published = publish(fixedEval, false);
            }
        }
        if (cost == null || r.pruned()) {
            cost = NetworkCost.of(trainer.network());
        }
        TrainingEvent event =
                new TrainingEvent(
                        settings.id(),
                        settings.spec().schedule().method().id(),
                        r.iteration(),
                        r.phase(),
                        r.loss(),
                        r.learningRate(),
                        r.lambdaPruned(),
                        r.lambdaKept(),
                        r.samples(),
                        r.nanos(),
                        cost.params(),
                        cost.flops(),
                        layers,
                        accuracy,
                        System.currentTimeMillis(),
                        r.rejected(),
                        response,
                        guard.paused(),
                        prequential == null || prequential.samples() == 0
                                ? null
                                : prequential.accuracy(),
                        cycles == null ? null : cycles.status(decisions));
        return new Step(event, published);
    }

    /** Prequential: the current model scores the batch before the step trains on it. */
    private void score(DataSet batch) {
        int every = settings.evaluation().prequentialEvery();
        if (prequential == null || guard.paused() || iteration() % every != 0) {
            return;
        }
        INDArray predicted = trainer.network().output(batch.getFeatures()).argMax(1);
        INDArray truth = batch.getLabels().argMax(1);
        int correct = predicted.eq(truth).castTo(DataType.INT32).sumNumber().intValue();
        prequential.add(correct, (int) batch.getFeatures().size(0));
    }

    /**
     * Held-out samples from the stream: they go into the run's window (the newest {@code
     * eval.window}), never into a step.
     */
    public void holdOut(float[] features, int[] labels, int count) {
        if (window == null) {
            throw new IllegalStateException(
                    "run '" + id() + "' evaluates on a fixed held-out set, not on the stream");
        }
        window.add(features, labels, count);
    }

    /** The held-out window from the stream, null where the run evaluates on a fixed set. */
    public HeldOutWindow heldOutWindow() {
        return window;
    }

    /** The windowed prequential accuracy, NaN where batches are not scored or none was yet. */
    public double prequentialAccuracy() {
        return prequential == null ? Double.NaN : prequential.accuracy();
    }

    /** A continuous run's cycle state, null for a run that prunes once. */
    public CycleState cycleState() {
        return cycles == null ? null : cycles.state();
    }

    private boolean hasHeldOut() {
        return window != null ? window.size() > 0 : fixedEval != null;
    }

    /** What the run evaluates on now: the window (a copy) or the driver's set; null if none. */
    private HeldOutSet heldOut() {
        return window != null ? window.asSet() : fixedEval;
    }

    /** Whether there is enough held-out data to decide by: a full window, or a fixed set. */
    boolean heldOutReady() {
        return window != null ? window.full() : fixedEval != null;
    }

    String heldOutDescription() {
        return window != null
                ? window.size() + " held-out samples of the stream (the newest)"
                : fixedEval == null ? "no held-out set" : fixedEval.size() + " held-out samples";
    }

    /** Evaluates the current network now; NaN without held-out data. */
    double evaluateNow() {
        return hasHeldOut() ? evaluate(heldOut()) : Double.NaN;
    }

    void baseAccuracyIs(double accuracy) {
        baseAccuracy = accuracy;
    }

    long publishedIteration() {
        return publishedIteration;
    }

    NetworkCost cost() {
        if (cost == null) {
            cost = NetworkCost.of(trainer.network());
        }
        return cost;
    }

    double flopsSpeedup() {
        return (double) trainer.baseCost().flops() / cost().flops();
    }

    /** The trainer as {@code s} left it (a cycle's start), at the current iteration. */
    void restoreTrainer(TrainerState s) {
        TrainerState at =
                new TrainerState(
                        trainer.iteration(),
                        s.prunedAt(),
                        s.ratioAtPrune(),
                        s.ratiosAtPrune(),
                        s.pickOverlap(),
                        s.plan(),
                        s.startPlan(),
                        s.baseCost(),
                        s.graph(),
                        s.network());
        trainer = PruningTrainer.restore(settings.spec(), at);
        cost = null;
    }

    /** Counts bad steps; after enough in a row, lowers the learning rate or pauses the run. */
    private String respond(StepResult r) {
        if (r.rejected() == null) {
            if (r.samples() > 0 && guard.badInARow() > 0) {
                guard = new RunState.Guard(0, guard.lrScale(), false, guard.rollbacks());
            }
            return null;
        }
        int bad = guard.badInARow() + 1;
        long rollbacks = guard.rollbacks() + 1;
        LOG.warn(
                "run '{}' step {} rolled back: {} ({} in a row)",
                id(),
                r.iteration(),
                r.rejected(),
                bad);
        GuardSettings g = settings.guard();
        if (bad < g.maxBadSteps()) {
            guard = new RunState.Guard(bad, guard.lrScale(), false, rollbacks);
            return null;
        }
        if (g.response() == GuardSettings.Response.PAUSE) {
            LOG.error(
                    "run '{}' paused at iteration {}: {} non-finite steps in a row; it skips its"
                            + " batches (each reported as skipped: run-paused) until the job"
                            + " restarts with prune.guard.resume-paused: true",
                    id(),
                    r.iteration(),
                    bad);
            guard = new RunState.Guard(0, guard.lrScale(), true, rollbacks);
        } else {
            double scale = guard.lrScale() * g.lrFactor();
            LOG.error(
                    "run '{}' lowers its learning rate to {}x at iteration {}: {} non-finite"
                            + " steps in a row",
                    id(),
                    scale,
                    r.iteration(),
                    bad);
            guard = new RunState.Guard(0, scale, false, rollbacks);
        }
        return g.response().toString();
    }

    private double evaluate(HeldOutSet eval) {
        lastAccuracy = eval.accuracy(trainer.network(), EVAL_BATCH);
        evaluatedNow = lastAccuracy;
        if (!trainer.isPruned()) {
            accuracyBeforePrune = lastAccuracy;
        }
        return lastAccuracy;
    }

    /**
     * The next numbered version of the current network, or null when its parameters are not finite
     * (nothing non-finite is ever published). It carries the network as DL4J's zip and as ONNX; a
     * network the ONNX exporter cannot write is still published, zip only, its files naming why
     * (and an ERROR line says so). Asked again right after a periodic version (the end of a
     * stream), it returns that version again, marked {@code last}.
     */
    public Publication publish(HeldOutSet eval, boolean last) {
        if (cycles != null) {
            if (!last) {
                throw new IllegalStateException(
                        "run '" + id() + "' is continuous: its cycles decide when it publishes");
            }
            fixedEval = eval;
            evaluatedNow = null;
            try {
                return cycles.last(this);
            } finally {
                fixedEval = null;
            }
        }
        if (!trainer.isFinite()) {
            LOG.error(
                    "run '{}': the network holds non-finite parameters at iteration {}; no"
                            + " version published",
                    id(),
                    iteration());
            return null;
        }
        boolean again = publishedIteration == trainer.iteration() - 1;
        if (eval != null && !again) {
            evaluate(eval);
        }
        return version(last, null);
    }

    /**
     * The next numbered version of the current network with the accuracy measured last, carrying
     * {@code lineage}; null when the network is not finite. As {@link #publish}, a version asked
     * again right after the last one is that version again.
     */
    Publication publishMeasured(boolean last, PruningReport.Lineage lineage) {
        if (!trainer.isFinite()) {
            LOG.error(
                    "run '{}': the network holds non-finite parameters at iteration {}; no"
                            + " version published",
                    id(),
                    iteration());
            return null;
        }
        return version(last, lineage);
    }

    private Publication version(boolean last, PruningReport.Lineage lineage) {
        boolean again = publishedIteration == trainer.iteration() - 1;
        int v = again ? nextVersion - 1 : nextVersion++;
        publishedIteration = trainer.iteration() - 1;
        String phase = trainer.isPruned() ? Phase.FINETUNE.name() : Phase.TRAIN.name();
        PruningReport report =
                PruningReport.of(
                        trainer,
                        incarnation,
                        v,
                        phase,
                        new PruningReport.Accuracies(
                                lastAccuracy, accuracyBeforePrune, baseAccuracy));
        if (lineage != null) {
            report = report.withLineage(lineage);
        }
        String path =
                outputDir == null
                        ? null
                        : outputDir
                                .resolve(settings.id())
                                .resolve(ModelStore.versionFolder(v))
                                .toAbsolutePath()
                                .toString();
        byte[] zip = trainer.network().toBytes(false);
        ModelFiles.Onnx onnx = ModelFiles.Onnx.of(trainer.network());
        if (onnx.error() != null) {
            LOG.error(
                    "run '{}' v{}: published without {}: {}",
                    id(),
                    v,
                    ModelStore.ONNX_FILE,
                    onnx.error());
        }
        return new Publication(
                new ModelVersion(
                        settings.id(),
                        v,
                        path,
                        last,
                        report,
                        ModelFiles.of(zip, onnx.bytes(), onnx.error())),
                zip,
                onnx.bytes());
    }

    /** A mini-batch of {@code count} samples (c-order features) with one-hot labels. */
    public static DataSet toDataSet(
            float[] features, int[] labels, int count, InputShape shape, int classes) {
        if (features.length != (long) count * shape.size()) {
            throw new IllegalArgumentException(
                    "batch has "
                            + features.length
                            + " values for "
                            + count
                            + " samples, the model expects samples of "
                            + shape);
        }
        float[] y = new float[count * classes];
        for (int i = 0; i < count; i++) {
            y[i * classes + labels[i]] = 1f;
        }
        return new DataSet(
                Nd4j.create(features, shape.batchShape(count), 'c'),
                Nd4j.create(y, new long[] {count, classes}, 'c'));
    }
}
