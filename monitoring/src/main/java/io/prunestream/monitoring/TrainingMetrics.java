package io.prunestream.monitoring;

import static io.prunestream.monitoring.PrunestreamMetric.BUDGET_FLOOR;
import static io.prunestream.monitoring.PrunestreamMetric.CYCLE;
import static io.prunestream.monitoring.PrunestreamMetric.CYCLE_ROLLBACKS;
import static io.prunestream.monitoring.PrunestreamMetric.DRIFT;
import static io.prunestream.monitoring.PrunestreamMetric.DRIFT_EVENTS;
import static io.prunestream.monitoring.PrunestreamMetric.EVAL_ACCURACY;
import static io.prunestream.monitoring.PrunestreamMetric.EVAL_PREQUENTIAL_ACCURACY;
import static io.prunestream.monitoring.PrunestreamMetric.GUARD_PAUSED;
import static io.prunestream.monitoring.PrunestreamMetric.GUARD_RESPONSES;
import static io.prunestream.monitoring.PrunestreamMetric.GUARD_ROLLBACKS;
import static io.prunestream.monitoring.PrunestreamMetric.GUARD_SKIPPED;
import static io.prunestream.monitoring.PrunestreamMetric.LAYER_SPARSITY;
import static io.prunestream.monitoring.PrunestreamMetric.LAYER_WIDTH;
import static io.prunestream.monitoring.PrunestreamMetric.MODEL_FLOPS;
import static io.prunestream.monitoring.PrunestreamMetric.MODEL_PARAMS;
import static io.prunestream.monitoring.PrunestreamMetric.PENALTY_LAMBDA;
import static io.prunestream.monitoring.PrunestreamMetric.PRUNE_MAGNITUDE_RATIO;
import static io.prunestream.monitoring.PrunestreamMetric.TRAIN_ITERATION;
import static io.prunestream.monitoring.PrunestreamMetric.TRAIN_ITERATIONS;
import static io.prunestream.monitoring.PrunestreamMetric.TRAIN_LEARNING_RATE;
import static io.prunestream.monitoring.PrunestreamMetric.TRAIN_LOSS;
import static io.prunestream.monitoring.PrunestreamMetric.TRAIN_PHASE;
import static io.prunestream.monitoring.PrunestreamMetric.TRAIN_PHASE_INDEX;
import static io.prunestream.monitoring.PrunestreamMetric.TRAIN_SAMPLES;
import static io.prunestream.monitoring.PrunestreamMetric.TRAIN_STEP;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.prunestream.core.run.CycleStatus;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.train.LayerStats;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.TimeUnit;

/**
 * Turns the trainer's {@link TrainingEvent}s into Micrometer meters, one set per run (tag {@code
 * run}) and per pruned layer (tag {@code layer}). See the README's metric table for every name.
 *
 * <pre>{@code
 * MetricsEndpoint.Lease lease = MetricsEndpoint.acquire(EndpointSettings.defaults());
 * TrainingMetrics metrics = new TrainingMetrics();
 * metrics.bindTo(lease.registry());
 * metrics.record(event);          // after every training step; never throws
 * metrics.close(); lease.close(); // in the operator's close()
 * }</pre>
 *
 * <p>Several instances may share one registry as long as they record different runs (Flink keys the
 * trainer by run, so each run lives in one operator instance).
 *
 * <p>NaN policy: the loss is exported as it is (NaN/Inf included) so the NaN-loss alert can see it.
 * The kept/pruned magnitude ratio becomes NaN once a layer is physically pruned (and +Inf when
 * masked pruned weights are exactly zero); such a value has no meaning and would break a log axis,
 * so its gauge is removed and the series ends at the last finite ratio. It comes back if a later
 * step reports a finite ratio. Steps with an empty {@code layers} list leave the per-layer gauges
 * at their last values.
 */
public final class TrainingMetrics implements MeterBinder, AutoCloseable {

    private final RecordingFailures failures = new RecordingFailures();
    private final Map<String, RunMeters> runs = new HashMap<>();
    private MeterRegistry registry;

    @Override
    public synchronized void bindTo(MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        if (this.registry != null && this.registry != registry) {
            throw new IllegalStateException(
                    "This TrainingMetrics is already bound to another registry; create one"
                            + " TrainingMetrics per registry");
        }
        this.registry = registry;
        failures.bindTo(registry);
    }

    /** Records one training step. Never throws: failures are counted and logged, rate-limited. */
    public void record(TrainingEvent event) {
        try {
            recordChecked(event);
        } catch (RuntimeException | LinkageError e) {
            failures.report("training.record", e);
        }
    }

    /**
     * Removes every meter of a run, e.g. when the job drops it from its configuration. Never
     * throws.
     */
    public synchronized void removeRun(String runId) {
        try {
            RunMeters run = runs.remove(runId);
            if (run != null) {
                run.owner.removeAll();
            }
        } catch (RuntimeException | LinkageError e) {
            failures.report("training.removeRun", e);
        }
    }

    /** Runs that have meters now. */
    public synchronized List<String> runs() {
        return List.copyOf(runs.keySet());
    }

    /** Removes all meters this instance registered. Never throws. */
    @Override
    public synchronized void close() {
        for (String run : List.copyOf(runs.keySet())) {
            removeRun(run);
        }
    }

    private synchronized void recordChecked(TrainingEvent e) {
        if (registry == null) {
            throw new IllegalStateException(
                    "TrainingMetrics.record() called before bindTo(registry); bind it to"
                            + " MetricsEndpoint.Lease.registry() in the operator's open()");
        }
        Objects.requireNonNull(e, "TrainingEvent is null");
        String runId =
                Objects.requireNonNull(
                        e.runId(), "TrainingEvent.runId is null; the trainer must name its run");
        Phase phase =
                Objects.requireNonNull(
                        e.phase(), "TrainingEvent.phase is null for run '" + runId + "'");
        RunMeters run = runs.computeIfAbsent(runId, id -> new RunMeters(registry, id));

        run.iterations.increment();
        if (e.rejected() != null) {
            run.rollbacks(e.rejected()).increment();
        }
        if (e.guardResponse() != null) {
            run.responses(e.guardResponse()).increment();
        }
        if (e.skipped() != null) {
            run.skipped(e.skipped()).increment();
        }
        run.paused.set(e.paused() ? 1 : 0);
        if (e.samples() > 0) {
            run.samples.increment(e.samples());
        }
        if (e.stepNanos() >= 0) {
            run.step.record(e.stepNanos(), TimeUnit.NANOSECONDS);
        }
        run.iteration.set(e.iteration());
        run.loss.set(e.loss());
        run.learningRate.set(e.learningRate());
        run.params.set(e.params());
        run.flops.set(e.flops());
        run.phaseIndex.set(phase.ordinal());
        run.phases.forEach((p, v) -> v.set(p == phase ? 1 : 0));
        if (e.evalAccuracy() != null) {
            run.accuracy().set(e.evalAccuracy());
        }
        if (e.prequentialAccuracy() != null) {
            run.prequential().set(e.prequentialAccuracy());
        }
        if (e.cycles() != null) {
            run.cycles().record(e.cycles());
        }
        List<LayerStats> layers = e.layers() == null ? List.of() : e.layers();
        for (LayerStats s : layers) {
            LayerMeters layer = run.layer(s.label());
            layer.lambdaPruned.set(e.lambdaPruned());
            layer.lambdaKept.set(e.lambdaKept());
            layer.width.set(s.width());
            layer.sparsity.set(s.sparsity());
            layer.ratio(s.magnitudeRatio());
        }
    }

    private static final List<String> ROLLBACK_REASONS =
            List.of(
                    "non-finite-loss",
                    "non-finite-parameters",
                    "non-finite-updater-state",
                    "non-finite-op-output");
    private static final List<String> GUARD_ACTIONS = List.of("lower-lr", "pause");
    private static final List<String> SKIP_REASONS = List.of(TrainingEvent.RUN_PAUSED);

    /** The meters of one run; every access is under the outer instance's lock. */
    private static final class RunMeters {
        final String runId;
        final MeterOwner owner;
        final Counter iterations;
        final Counter samples;
        final Timer step;
        final GaugeValue iteration = new GaugeValue(0);
        final GaugeValue loss = new GaugeValue(Double.NaN);
        final GaugeValue learningRate = new GaugeValue(0);
        final GaugeValue params = new GaugeValue(0);
        final GaugeValue flops = new GaugeValue(0);
        final GaugeValue phaseIndex = new GaugeValue(0);
        final Map<Phase, GaugeValue> phases = new EnumMap<>(Phase.class);
        final Map<String, LayerMeters> layers = new HashMap<>();
        final Map<String, Counter> rollbacks = new HashMap<>();
        final Map<String, Counter> responses = new HashMap<>();
        final Map<String, Counter> skipped = new HashMap<>();
        final GaugeValue paused = new GaugeValue(0);
        GaugeValue accuracy;
        GaugeValue prequential;
        CycleMeters cycles;

        RunMeters(MeterRegistry registry, String runId) {
            this.runId = runId;
            this.owner = new MeterOwner(registry);
            Tags tags = Tags.of("run", runId);
            iterations = owner.counter(TRAIN_ITERATIONS, tags);
            samples = owner.counter(TRAIN_SAMPLES, tags);
            step = owner.timer(TRAIN_STEP, tags);
            owner.gauge(TRAIN_ITERATION, tags, iteration);
            owner.gauge(TRAIN_LOSS, tags, loss);
            owner.gauge(TRAIN_LEARNING_RATE, tags, learningRate);
            owner.gauge(MODEL_PARAMS, tags, params);
            owner.gauge(MODEL_FLOPS, tags, flops);
            owner.gauge(TRAIN_PHASE_INDEX, tags, phaseIndex);
            owner.gauge(GUARD_PAUSED, tags, paused);
            // at 0 from the start, so the first rollback shows as an increase
            for (String reason : ROLLBACK_REASONS) {
                rollbacks(reason);
            }
            for (String action : GUARD_ACTIONS) {
                responses(action);
            }
            for (String reason : SKIP_REASONS) {
                skipped(reason);
            }
            for (Phase p : Phase.values()) {
                GaugeValue v = new GaugeValue(0);
                phases.put(p, v);
                owner.gauge(TRAIN_PHASE, tags.and("phase", p.name()), v);
            }
        }

        Counter rollbacks(String reason) {
            return rollbacks.computeIfAbsent(
                    reason,
                    r -> owner.counter(GUARD_ROLLBACKS, Tags.of("run", runId, "reason", r)));
        }

        Counter responses(String action) {
            return responses.computeIfAbsent(
                    action,
                    a -> owner.counter(GUARD_RESPONSES, Tags.of("run", runId, "action", a)));
        }

        Counter skipped(String reason) {
            return skipped.computeIfAbsent(
                    reason, r -> owner.counter(GUARD_SKIPPED, Tags.of("run", runId, "reason", r)));
        }

        // Registered at the first evaluation, so "never evaluated" reads as absent, not 0.
        GaugeValue accuracy() {
            if (accuracy == null) {
                accuracy = new GaugeValue(Double.NaN);
                owner.gauge(EVAL_ACCURACY, Tags.of("run", runId), accuracy);
            }
            return accuracy;
        }

        GaugeValue prequential() {
            if (prequential == null) {
                prequential = new GaugeValue(Double.NaN);
                owner.gauge(EVAL_PREQUENTIAL_ACCURACY, Tags.of("run", runId), prequential);
            }
            return prequential;
        }

        // Registered at a continuous run's first event: a run that prunes once has none.
        CycleMeters cycles() {
            if (cycles == null) {
                cycles = new CycleMeters(owner, Tags.of("run", runId));
            }
            return cycles;
        }

        LayerMeters layer(String label) {
            String name = label == null || label.isBlank() ? "unnamed" : label;
            return layers.computeIfAbsent(name, l -> new LayerMeters(owner, runId, l));
        }
    }

    /** A continuous run's cycles, budget and drift. */
    private static final class CycleMeters {
        final MeterOwner owner;
        final Tags tags;
        final GaugeValue cycle = new GaugeValue(0);
        final GaugeValue drift = new GaugeValue(0);
        final Counter rollbacks;
        final Counter driftEvents;
        GaugeValue floor;

        CycleMeters(MeterOwner owner, Tags tags) {
            this.owner = owner;
            this.tags = tags;
            owner.gauge(CYCLE, tags, cycle);
            owner.gauge(DRIFT, tags, drift);
            rollbacks = owner.counter(CYCLE_ROLLBACKS, tags);
            driftEvents = owner.counter(DRIFT_EVENTS, tags);
        }

        void record(CycleStatus s) {
            cycle.set(s.cycle());
            drift.set(s.drift() ? 1 : 0);
            if (s.has(CycleStatus.Kind.ROLLED_BACK)) {
                rollbacks.increment();
            }
            if (s.has(CycleStatus.Kind.DRIFT)) {
                driftEvents.increment();
            }
            if (!Double.isNaN(s.reference())) {
                if (floor == null) {
                    floor = new GaugeValue(Double.NaN);
                    owner.gauge(BUDGET_FLOOR, tags, floor);
                }
                floor.set(s.floor());
            }
        }
    }

    private static final class LayerMeters {
        final MeterOwner owner;
        final Tags tags;
        final GaugeValue lambdaPruned = new GaugeValue(0);
        final GaugeValue lambdaKept = new GaugeValue(0);
        final GaugeValue width = new GaugeValue(0);
        final GaugeValue sparsity = new GaugeValue(0);
        final GaugeValue ratioValue = new GaugeValue(Double.NaN);
        Gauge ratioGauge;

        LayerMeters(MeterOwner owner, String runId, String layer) {
            this.owner = owner;
            this.tags = Tags.of("run", runId, "layer", layer);
            owner.gauge(PENALTY_LAMBDA, tags.and("group", "pruned"), lambdaPruned);
            owner.gauge(PENALTY_LAMBDA, tags.and("group", "kept"), lambdaKept);
            owner.gauge(LAYER_WIDTH, tags, width);
            owner.gauge(LAYER_SPARSITY, tags, sparsity);
        }

        void ratio(double r) {
            if (Double.isFinite(r)) {
                ratioValue.set(r);
                if (ratioGauge == null) {
                    ratioGauge = owner.gauge(PRUNE_MAGNITUDE_RATIO, tags, ratioValue);
                }
            } else if (ratioGauge != null) {
                owner.remove(ratioGauge);
                ratioGauge = null;
            }
        }
    }
}
