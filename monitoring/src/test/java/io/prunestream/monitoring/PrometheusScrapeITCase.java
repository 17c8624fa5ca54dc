package io.prunestream.monitoring;

import static io.prunestream.monitoring.PrometheusServer.scalar;
import static io.prunestream.monitoring.PrometheusServer.values;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.schedule.Phase;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A run's metrics as a real Prometheus sees them: our endpoint is scraped every second while a
 * GReg-1 run goes REGULARIZE → STABILIZE → PRUNE → FINETUNE, then the HTTP API is asked what it
 * stored. The same Prometheus evaluates alerts.yml and every dashboard query.
 */
class PrometheusScrapeITCase {

    private static final String RUN = "it-greg1";
    private static final String CONTINUOUS = "it-continuous";
    private static final String DIVERGED = "it-diverged";
    private static final int STEPS = 40;
    private static final Duration WAIT = Duration.ofSeconds(20);
    private static final Duration STEP = Duration.ofSeconds(1);

    @Test
    void prometheusStoresTheRunAsItHappened() throws Exception {
        PrometheusServer.assumeInstalled();
        EndpointSettings loopback =
                EndpointSettings.builder().bindAddress("127.0.0.1").port(0).build();
        try (MetricsEndpoint.Lease lease = MetricsEndpoint.acquire(loopback);
                TrainingMetrics training = new TrainingMetrics();
                IngestMetrics ingest = new IngestMetrics();
                ModelVersionMetrics versions = new ModelVersionMetrics()) {
            training.bindTo(lease.registry());
            ingest.bindTo(lease.registry());
            versions.bindTo(lease.registry());
            training.record(Events.step(RUN, 0, STEPS));
            training.record(Events.continuous(CONTINUOUS, 0, STEPS));
            ingest.accepted(64);

            Instant start = Instant.now().minusSeconds(1);
            try (PrometheusServer prom =
                    PrometheusServer.start(
                            List.of("127.0.0.1:" + lease.port()),
                            List.of(ModuleFiles.path(ModuleFiles.ALERTS)))) {
                prom.awaitQuery("up{job=\"prunestream\"}", r -> scalar(r) == 1, WAIT);

                for (int i = 1; i < STEPS; i++) {
                    training.record(Events.step(RUN, i, STEPS));
                    training.record(Events.continuous(CONTINUOUS, i, STEPS));
                    ingest.accepted(64);
                    if (i == 5) {
                        ingest.rejected("bad-magic");
                    } else if (i == 20) {
                        ingest.rejected("shape", 2);
                    } else if (i == 30) {
                        versions.published(RUN);
                    }
                    // Let Prometheus see each phase's last step and some points in between.
                    boolean phaseEnds =
                            i == STEPS - 1
                                    || Events.phaseAt(i + 1, STEPS) != Events.phaseAt(i, STEPS);
                    if (phaseEnds || i % 5 == 4) {
                        awaitIteration(prom, i);
                    }
                }
                training.record(diverged());
                prom.awaitQuery(
                        "prunestream_train_iteration{run=\"" + DIVERGED + "\"}",
                        r -> r.size() == 1,
                        WAIT);
                // One more scrape after the last step, so range queries end on the final state.
                Thread.sleep(1500);
                Instant end = Instant.now();

                assertLambdaRose(prom, start, end);
                assertPhasesReachedFinetune(prom, start, end);
                assertMagnitudeRatioRoseThenEnded(prom, start, end);
                assertCounters(prom);
                assertNanLossAlertFires(prom);
                assertAlertRulesEvaluate(prom);
                assertDashboardQueriesWork(prom, start, end);
            }
        }
    }

    private static void awaitIteration(PrometheusServer prom, long i) throws Exception {
        prom.awaitQuery(
                "prunestream_train_iteration{run=\"" + RUN + "\"}", r -> scalar(r) == i, WAIT);
    }

    private static void assertLambdaRose(PrometheusServer prom, Instant start, Instant end)
            throws Exception {
        JsonNode range =
                prom.queryRange(
                        "prunestream_penalty_lambda{run=\""
                                + RUN
                                + "\",layer=\"conv1\",group=\"pruned\"}",
                        start,
                        end,
                        STEP);
        assertThat(range.size()).isEqualTo(1);
        List<Double> lambda = values(range.get(0));
        int peak = lambda.indexOf(lambda.stream().max(Double::compare).orElseThrow());
        List<Double> growth = lambda.subList(0, peak + 1);
        assertThat(growth).isSorted();
        assertThat(growth.stream().distinct().count())
                .as("distinct λ values Prometheus saw while regularizing: %s", growth)
                .isGreaterThanOrEqualTo(3);
        assertThat(lambda.get(peak)).isCloseTo(1e-4 * 16, within(1e-12));
        assertThat(lambda.get(lambda.size() - 1)).as("λ during fine-tuning").isZero();
    }

    private static void assertPhasesReachedFinetune(
            PrometheusServer prom, Instant start, Instant end) throws Exception {
        List<Double> index =
                values(
                        prom.queryRange(
                                        "prunestream_train_phase_index{run=\"" + RUN + "\"}",
                                        start,
                                        end,
                                        STEP)
                                .get(0));
        assertThat(index).isSorted();
        assertThat(index)
                .contains(
                        (double) Phase.REGULARIZE.ordinal(),
                        (double) Phase.STABILIZE.ordinal(),
                        (double) Phase.PRUNE.ordinal(),
                        (double) Phase.FINETUNE.ordinal());
        assertThat(index.get(index.size() - 1)).isEqualTo(Phase.FINETUNE.ordinal());

        Map<String, Double> now = new HashMap<>();
        for (JsonNode s : prom.query("prunestream_train_phase{run=\"" + RUN + "\"}")) {
            now.put(s.path("metric").path("phase").asText(), s.path("value").get(1).asDouble());
        }
        assertThat(now).hasSize(Phase.values().length).containsEntry("FINETUNE", 1.0);
        assertThat(now.values().stream().mapToDouble(Double::doubleValue).sum()).isEqualTo(1.0);
    }

    private static void assertMagnitudeRatioRoseThenEnded(
            PrometheusServer prom, Instant start, Instant end) throws Exception {
        String ratio = "prunestream_prune_magnitude_ratio{run=\"" + RUN + "\",layer=\"conv1\"}";
        List<Double> seen = values(prom.queryRange(ratio, start, end, STEP).get(0));
        assertThat(seen).isSorted();
        assertThat(seen.get(seen.size() - 1)).as("ratio before pruning").isGreaterThan(1000);
        assertThat(prom.query(ratio)).as("no ratio series after the layer was pruned").isEmpty();
    }

    private static void assertCounters(PrometheusServer prom) throws Exception {
        String run = "{run=\"" + RUN + "\"}";
        assertThat(scalar(prom.query("prunestream_train_iterations_total" + run))).isEqualTo(STEPS);
        assertThat(scalar(prom.query("prunestream_train_step_seconds_count" + run)))
                .isEqualTo(STEPS);
        assertThat(scalar(prom.query("prunestream_train_samples_total" + run)))
                .isEqualTo(STEPS * 64);
        assertThat(scalar(prom.query("prunestream_model_versions_total" + run))).isEqualTo(1);
        assertThat(
                        scalar(
                                prom.query(
                                        "prunestream_layer_width{run=\""
                                                + RUN
                                                + "\",layer=\"conv1\"}")))
                .isEqualTo(8);
        assertThat(scalar(prom.query("prunestream_eval_accuracy" + run))).isBetween(0.5, 0.9);
        assertThat(scalar(prom.query("prunestream_ingest_accepted_total"))).isEqualTo(STEPS * 64);
        Map<String, Double> rejected = new HashMap<>();
        for (JsonNode s : prom.query("prunestream_ingest_rejected_total")) {
            rejected.put(
                    s.path("metric").path("reason").asText(), s.path("value").get(1).asDouble());
        }
        assertThat(rejected).isEqualTo(Map.of("bad-magic", 1.0, "shape", 2.0));
    }

    private static void assertNanLossAlertFires(PrometheusServer prom) throws Exception {
        JsonNode firing =
                prom.awaitQuery(
                        "ALERTS{alertname=\"PrunestreamLossNotFinite\",alertstate=\"firing\"}",
                        r -> r.size() > 0,
                        WAIT);
        assertThat(firing.size()).isEqualTo(1);
        assertThat(firing.get(0).path("metric").path("run").asText()).isEqualTo(DIVERGED);
    }

    private static void assertAlertRulesEvaluate(PrometheusServer prom) throws Exception {
        List<String> unhealthy = new ArrayList<>();
        int rules = 0;
        for (JsonNode group : prom.api("/api/v1/rules", Map.of()).path("data").path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                rules++;
                if (!"ok".equals(rule.path("health").asText())) {
                    unhealthy.add(rule.path("name").asText() + ": " + rule.path("lastError"));
                }
            }
        }
        assertThat(rules).isEqualTo(PromtoolRulesTest.alerts().size());
        assertThat(unhealthy).isEmpty();
    }

    /**
     * Every dashboard query parses and runs in Prometheus; those on our own metrics return data
     * (Flink's series do not exist here).
     */
    private static void assertDashboardQueriesWork(
            PrometheusServer prom, Instant start, Instant end) throws Exception {
        Set<String> ours = Set.copyOf(ourSeriesNames());
        List<String> empty = new ArrayList<>();
        for (String expr : Dashboard.load().expressions()) {
            JsonNode result = prom.queryRange(Dashboard.substitute(expr), start, end, STEP);
            Set<String> names = PromqlNames.of(expr);
            boolean onlyOurs = ours.containsAll(names);
            if (onlyOurs
                    && !names.contains("prunestream_metrics_failures_total")
                    && result.size() == 0) {
                empty.add(expr);
            }
        }
        assertThat(empty).as("dashboard queries on our metrics without data").isEmpty();
    }

    private static List<String> ourSeriesNames() {
        List<String> out = new ArrayList<>();
        for (PrunestreamMetric m : PrunestreamMetric.values()) {
            out.addAll(m.prometheusNames());
        }
        return out;
    }

    private static TrainingEvent diverged() {
        return new TrainingEvent(
                DIVERGED,
                "greg1",
                7,
                Phase.REGULARIZE,
                Double.NaN,
                0.1,
                1e-3,
                0,
                64,
                1_000_000,
                100_000,
                5_000_000,
                List.of(),
                null,
                System.currentTimeMillis(),
                null,
                null,
                false,
                null,
                null);
    }
}
