package io.prunestream.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.train.LayerStats;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class TrainingMetricsTest {

    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final TrainingMetrics metrics = new TrainingMetrics();

    @AfterEach
    void closeRegistry() {
        registry.close();
    }

    private double gauge(String name, String... tags) {
        return registry.get(name).tags(tags).gauge().value();
    }

    /** Run r1's lambda of one layer's pruned or kept groups. */
    private double lambda(String layer, String group) {
        return gauge("prunestream.penalty.lambda", "run", "r1", "layer", layer, "group", group);
    }

    @Test
    void recordsEveryMeterOfAStep() {
        metrics.bindTo(registry);
        metrics.record(Events.step("r1", 0, 20));
        metrics.record(Events.step("r1", 4, 20));

        assertThat(registry.get("prunestream.train.iterations").tag("run", "r1").counter().count())
                .isEqualTo(2);
        assertThat(registry.get("prunestream.train.samples").tag("run", "r1").counter().count())
                .isEqualTo(128);
        assertThat(gauge("prunestream.train.iteration", "run", "r1")).isEqualTo(4);
        assertThat(gauge("prunestream.train.loss", "run", "r1")).isEqualTo(2.3 / 1.2, within());
        assertThat(gauge("prunestream.train.learning.rate", "run", "r1")).isEqualTo(0.1);
        assertThat(gauge("prunestream.eval.accuracy", "run", "r1")).isEqualTo(0.58, within());
        assertThat(gauge("prunestream.train.phase", "run", "r1", "phase", "REGULARIZE"))
                .isEqualTo(1);
        assertThat(gauge("prunestream.train.phase", "run", "r1", "phase", "FINETUNE")).isZero();
        assertThat(gauge("prunestream.train.phase.index", "run", "r1"))
                .isEqualTo(Phase.REGULARIZE.ordinal());
        assertThat(lambda("conv1", "pruned")).isEqualTo(5e-4, within());
        assertThat(lambda("conv2", "kept")).isZero();
        // 10^(1 + 3*4/8) = 10^2.5
        assertThat(gauge("prunestream.prune.magnitude.ratio", "run", "r1", "layer", "conv1"))
                .isEqualTo(Math.pow(10, 2.5), within());
        assertThat(gauge("prunestream.layer.width", "run", "r1", "layer", "conv2")).isEqualTo(32);
        assertThat(gauge("prunestream.layer.sparsity", "run", "r1", "layer", "conv2"))
                .isEqualTo(0.2);
        assertThat(gauge("prunestream.model.params", "run", "r1")).isEqualTo(100_000);
        assertThat(gauge("prunestream.model.flops", "run", "r1")).isEqualTo(5_000_000);
        var step = registry.get("prunestream.train.step").tag("run", "r1").timer();
        assertThat(step.count()).isEqualTo(2);
        assertThat(step.totalTime(java.util.concurrent.TimeUnit.SECONDS))
                .isEqualTo(0.002 + 0.002004, within());
    }

    @Test
    void guardMetersCountRollbacksAndResponsesFromZero() {
        metrics.bindTo(registry);
        metrics.record(Events.step("r1", 0, 20));
        // registered at 0 before any rollback, so the first one shows as an increase
        assertThat(
                        registry.get("prunestream.guard.rollbacks")
                                .tags("run", "r1", "reason", "non-finite-loss")
                                .counter()
                                .count())
                .isZero();
        TrainingEvent ok = Events.step("r1", 1, 20);
        TrainingEvent bad = guard(ok, "non-finite-loss", null, false);
        metrics.record(bad);
        metrics.record(guard(ok, "non-finite-parameters", "pause", true));
        assertThat(
                        registry.get("prunestream.guard.rollbacks")
                                .tags("run", "r1", "reason", "non-finite-loss")
                                .counter()
                                .count())
                .isEqualTo(1);
        assertThat(
                        registry.get("prunestream.guard.rollbacks")
                                .tags("run", "r1", "reason", "non-finite-parameters")
                                .counter()
                                .count())
                .isEqualTo(1);
        assertThat(
                        registry.get("prunestream.guard.responses")
                                .tags("run", "r1", "action", "pause")
                                .counter()
                                .count())
                .isEqualTo(1);
        assertThat(
                        registry.get("prunestream.guard.responses")
                                .tags("run", "r1", "action", "lower-lr")
                                .counter()
                                .count())
                .isZero();
        assertThat(gauge("prunestream.guard.paused", "run", "r1")).isEqualTo(1);
        metrics.record(ok);
        assertThat(gauge("prunestream.guard.paused", "run", "r1")).isZero();
    }

    @Test
    void batchesAPausedRunSkipsAreCountedByReason() {
        metrics.bindTo(registry);
        TrainingEvent ok = Events.step("r1", 0, 20);
        metrics.record(ok);
        assertThat(skipped("r1")).isZero();
        // the step that pauses the run is a rollback, not a skipped batch
        metrics.record(guard(ok, "non-finite-loss", "pause", true));
        assertThat(skipped("r1")).isZero();
        for (int i = 0; i < 3; i++) {
            metrics.record(guard(ok, null, null, true));
        }
        assertThat(skipped("r1")).isEqualTo(3);
        metrics.record(ok);
        assertThat(skipped("r1")).isEqualTo(3);
    }

    private double skipped(String run) {
        return registry.get("prunestream.guard.skipped")
                .tags("run", run, "reason", "run-paused")
                .counter()
                .count();
    }

    private static TrainingEvent guard(
            TrainingEvent e, String rejected, String response, boolean paused) {
        return new TrainingEvent(
                e.runId(),
                e.method(),
                e.iteration(),
                e.phase(),
                e.loss(),
                e.learningRate(),
                e.lambdaPruned(),
                e.lambdaKept(),
                0,
                e.stepNanos(),
                e.params(),
                e.flops(),
                e.layers(),
                e.evalAccuracy(),
                e.timestampMillis(),
                rejected,
                response,
                paused,
                null,
                null);
    }

    @Test
    void accuracyIsAbsentUntilTheFirstEvaluation() {
        metrics.bindTo(registry);
        metrics.record(Events.step("r1", 0, 20));
        assertThat(registry.find("prunestream.eval.accuracy").gauge()).isNull();
    }

    @Test
    void magnitudeRatioSeriesEndsWhenTheLayerIsPrunedAndComesBackWhenFinite() {
        metrics.bindTo(registry);
        metrics.record(Events.step("r1", 2, 20));
        assertThat(registry.find("prunestream.prune.magnitude.ratio").gauges()).hasSize(2);

        metrics.record(Events.step("r1", 13, 20)); // PRUNE: ratio NaN
        assertThat(registry.find("prunestream.prune.magnitude.ratio").gauges()).isEmpty();
        assertThat(registry.scrape()).doesNotContain("prunestream_prune_magnitude_ratio{");
        // Other layer gauges stay: the width after pruning is what users want to see.
        assertThat(gauge("prunestream.layer.width", "run", "r1", "layer", "conv1")).isEqualTo(8);

        metrics.record(event("r1", Phase.FINETUNE, List.of(layer("conv1", 42.0))));
        assertThat(gauge("prunestream.prune.magnitude.ratio", "run", "r1", "layer", "conv1"))
                .isEqualTo(42.0);
        metrics.record(
                event("r1", Phase.FINETUNE, List.of(layer("conv1", Double.POSITIVE_INFINITY))));
        assertThat(registry.find("prunestream.prune.magnitude.ratio").gauges()).isEmpty();
    }

    @Test
    void stepsWithoutLayerStatsKeepTheLastLayerValues() {
        metrics.bindTo(registry);
        metrics.record(Events.step("r1", 2, 20));
        metrics.record(Events.step("r1", 3, 20)); // odd step: no layer stats
        assertThat(lambda("conv1", "pruned")).isEqualTo(3e-4, within());
    }

    @Test
    void nanLossIsExportedForTheAlert() {
        metrics.bindTo(registry);
        metrics.record(event("r1", Phase.TRAIN, List.of(), Double.NaN));
        assertThat(registry.scrape()).contains("prunestream_train_loss{run=\"r1\"} NaN");
    }

    @Test
    void gaugesSurviveGarbageCollection() {
        metrics.bindTo(registry);
        metrics.record(Events.step("r1", 2, 20));
        System.gc();
        System.gc();
        assertThat(gauge("prunestream.train.iteration", "run", "r1")).isEqualTo(2);
    }

    @Test
    void neverThrowsIntoTheJob() {
        // Not bound yet, a null event, a null run: all swallowed, counted once bound.
        assertThatCode(() -> metrics.record(Events.step("r1", 0, 10))).doesNotThrowAnyException();
        metrics.bindTo(registry);
        assertThatCode(() -> metrics.record(null)).doesNotThrowAnyException();
        assertThatCode(() -> metrics.record(event(null, Phase.TRAIN, List.of())))
                .doesNotThrowAnyException();
        // A meter name clash a binder cannot survive: same name, other tag keys.
        registry.gauge("prunestream.train.loss", 1.0);
        assertThatCode(() -> metrics.record(Events.step("r2", 0, 10))).doesNotThrowAnyException();
        assertThat(
                        registry.get("prunestream.metrics.failures")
                                .tag("reason", "training.record")
                                .counter()
                                .count())
                .isGreaterThanOrEqualTo(2);
    }

    @Test
    void removeRunAndCloseRemoveExactlyTheirMeters() {
        metrics.bindTo(registry);
        metrics.record(Events.step("r1", 2, 20));
        metrics.record(Events.step("r2", 2, 20));
        metrics.removeRun("r1");
        assertThat(registry.find("prunestream.train.iteration").tag("run", "r1").gauge()).isNull();
        assertThat(registry.find("prunestream.train.iteration").tag("run", "r2").gauge())
                .isNotNull();
        assertThat(metrics.runs()).containsExactly("r2");

        // A restarted operator registered r2 again before the old one closed: keep the new one.
        metrics.close();
        TrainingMetrics next = new TrainingMetrics();
        next.bindTo(registry);
        next.record(Events.step("r2", 6, 20));
        assertThat(gauge("prunestream.train.iteration", "run", "r2")).isEqualTo(6);
        next.close();
        assertThat(registry.find("prunestream.train.iteration").gauges()).isEmpty();
    }

    @Test
    void bindingToASecondRegistryIsAnError() {
        metrics.bindTo(registry);
        var other = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        assertThatThrownBy(() -> metrics.bindTo(other))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("one TrainingMetrics per registry");
        other.close();
    }

    private static org.assertj.core.data.Offset<Double> within() {
        return org.assertj.core.data.Offset.offset(1e-9);
    }

    private static LayerStats layer(String label, double ratio) {
        return new LayerStats(label, 16, 8, 8, ratio, 0);
    }

    private static TrainingEvent event(String run, Phase phase, List<LayerStats> layers) {
        return event(run, phase, layers, 1.0);
    }

    private static TrainingEvent event(
            String run, Phase phase, List<LayerStats> layers, double loss) {
        return new TrainingEvent(
                run, "greg1", 1, phase, loss, 0.1, 0, 0, 64, 1000, 10, 10, layers, null, 0, null,
                null, false, null, null);
    }
}
