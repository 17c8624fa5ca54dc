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
import io.prunestream.core.train.LayerStats;
import io.prunestream.core.train.PruningTrainer;
import io.prunestream.core.train.StepResult;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
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
 * #step(DataSet, HeldOutSet)}). The run stores nothing: a publication carries the network's bytes
 * and the driver stores them.
 *
 * <p>Long because it is the whole run loop every driver shares: steps, the guard's responses,
 * evaluation, publication and snapshots.
 */
public final class PruningRun {
    private static final Logger LOG = LoggerFactory.getLogger(PruningRun.class);
    private static final int EVAL_BATCH = 500;

    private final RunSettings settings;
    private final PruningTrainer trainer;
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

    private PruningRun(
            RunSettings settings, PruningTrainer trainer, Path outputDir, String incarnation) {
        this.settings = settings;
        this.trainer = trainer;
        this.outputDir = outputDir;
        this.incarnation = incarnation;
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
        return r;
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
                incarnation);
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

    /** One step with the state of the run's own schedule; {@code eval} may be null. */
    public Step step(DataSet batch, HeldOutSet eval) {
        return step(batch, settings.spec().schedule().at(iteration()), eval);
    }

    /**
     * One step in the schedule state {@code s}; {@code eval} may be null (no evaluation). A step
     * that goes non-finite is rolled back (its event says why); a paused run skips the batch but
     * still follows the schedule's pick and prune (its event says so: {@link
     * TrainingEvent#skipped()}). A step that fails for any other reason throws.
     */
    public Step step(DataSet batch, ScheduleState s, HeldOutSet eval) {
        StepResult r = trainer.step(batch, s, !guard.paused(), guard.lrScale());
        String response = respond(r);
        long done = r.iteration() + 1;
        Double accuracy = null;
        if (eval != null && settings.evalInterval() > 0 && done % settings.evalInterval() == 0) {
            accuracy = evaluate(eval);
            if (r.phase() == Phase.TRAIN) {
                baseAccuracy = accuracy;
            }
        }
        if (accuracy == null && startAccuracy != null) {
            accuracy = startAccuracy; // the metrics show the imported network's accuracy at once
        }
        startAccuracy = null;
        List<LayerStats> layers = List.of();
        if (done % settings.statsInterval() == 0 || r.pruned() || r.picked()) {
            layers = new ArrayList<>(trainer.layerStats().values());
        }
        Publication published = null;
        if (trainer.isPruned()) {
            long since = r.iteration() - trainer.prunedAt();
            if (since == 0
                    || (settings.publishInterval() > 0
                            && since % settings.publishInterval() == 0)) {
                published = publish(eval, false);
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
                        guard.paused());
        return new Step(event, published);
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
