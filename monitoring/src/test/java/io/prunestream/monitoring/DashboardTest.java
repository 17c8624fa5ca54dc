package io.prunestream.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The Grafana dashboard parses, queries only metrics that exist, and shows what users need. */
class DashboardTest {

    @Test
    void everyQueryReadsKnownMetrics() throws IOException {
        Dashboard d = Dashboard.load();
        List<String> exprs = d.expressions();
        assertThat(exprs).hasSizeGreaterThan(20).doesNotContain("");
        Set<String> known = PromqlNames.known();
        for (String expr : exprs) {
            assertThat(PromqlNames.of(expr))
                    .as("metrics in %s", expr)
                    .isNotEmpty()
                    .isSubsetOf(known);
        }
    }

    @Test
    void perRunQueriesFollowTheRunVariable() throws IOException {
        Set<String> perRun = new HashSet<>();
        for (PrunestreamMetric m : PrunestreamMetric.values()) {
            if (m.tags().contains("run")) {
                perRun.addAll(m.prometheusNames());
            }
        }
        for (String expr : Dashboard.load().expressions()) {
            if (PromqlNames.of(expr).stream().anyMatch(perRun::contains)) {
                assertThat(expr).as("per-run query").contains("run=~\"$run\"");
            }
        }
    }

    @Test
    void hasTheRunVariable() throws IOException {
        JsonNode vars = Dashboard.load().root.path("templating").path("list");
        JsonNode run = null;
        for (JsonNode v : vars) {
            if ("run".equals(v.path("name").asText())) {
                run = v;
            }
        }
        assertThat(run).as("template variable 'run'").isNotNull();
        assertThat(run.path("type").asText()).isEqualTo("query");
        assertThat(run.path("multi").asBoolean()).isTrue();
        assertThat(run.path("includeAll").asBoolean()).isTrue();
        String definition = run.path("definition").asText();
        assertThat(definition)
                .isEqualTo(
                        "label_values(prunestream_train_iteration{namespace=~\"$namespace\"}, run)");
    }

    @Test
    void hasTheNamespaceVariableAndEveryQueryFollowsIt() throws IOException {
        JsonNode namespace = null;
        for (JsonNode v : Dashboard.load().root.path("templating").path("list")) {
            if ("namespace".equals(v.path("name").asText())) {
                namespace = v;
            }
        }
        assertThat(namespace).as("template variable 'namespace'").isNotNull();
        assertThat(namespace.path("definition").asText())
                .isEqualTo("label_values(prunestream_train_iteration, namespace)");
        assertThat(namespace.path("includeAll").asBoolean()).isTrue();
        Pattern selector = Pattern.compile("\\b(prunestream|flink)_[A-Za-z0-9_:]*(\\{[^}]*})?");
        Pattern grouping = Pattern.compile("\\bby\\s*\\(([^)]*)\\)");
        for (String expr : Dashboard.load().expressions()) {
            Matcher m = selector.matcher(expr);
            while (m.find()) {
                assertThat(m.group()).as(expr).contains("namespace=~\"$namespace\"");
            }
            Matcher g = grouping.matcher(expr);
            while (g.find()) {
                assertThat(g.group(1)).as(expr).contains("namespace");
            }
        }
    }

    @Test
    void showsWhatARunNeeds() throws IOException {
        Dashboard d = Dashboard.load();
        Set<String> used = new HashSet<>();
        d.expressions().forEach(e -> used.addAll(PromqlNames.of(e)));
        assertThat(used)
                .contains(
                        "prunestream_train_iteration",
                        "prunestream_train_phase_index",
                        "prunestream_train_loss",
                        "prunestream_eval_accuracy",
                        "prunestream_eval_prequential_accuracy",
                        "prunestream_budget_floor",
                        "prunestream_cycle",
                        "prunestream_cycle_rollbacks_total",
                        "prunestream_drift",
                        "prunestream_drift_events_total",
                        "prunestream_penalty_lambda",
                        "prunestream_prune_magnitude_ratio",
                        "prunestream_layer_width",
                        "prunestream_layer_sparsity",
                        "prunestream_model_params",
                        "prunestream_model_flops",
                        "prunestream_train_samples_total",
                        "prunestream_train_step_seconds_sum",
                        "prunestream_ingest_rejected_total",
                        FlinkMetricNames.PENDING_RECORDS,
                        FlinkMetricNames.KAFKA_RECORDS_LAG_MAX,
                        FlinkMetricNames.LAST_CHECKPOINT_DURATION,
                        FlinkMetricNames.LAST_CHECKPOINT_SIZE,
                        FlinkMetricNames.FAILED_CHECKPOINTS,
                        FlinkMetricNames.BACK_PRESSURED_TIME);
    }

    @Test
    void magnitudeRatioIsOnALogScaleWithThe1000Line() throws IOException {
        JsonNode panel =
                Dashboard.load().panels().stream()
                        .filter(
                                p ->
                                        p.path("targets")
                                                .toString()
                                                .contains("prunestream_prune_magnitude_ratio"))
                        .findFirst()
                        .orElseThrow();
        JsonNode defaults = panel.path("fieldConfig").path("defaults");
        assertThat(defaults.path("custom").path("scaleDistribution").path("type").asText())
                .isEqualTo("log");
        assertThat(defaults.path("custom").path("thresholdsStyle").path("mode").asText())
                .isNotEqualTo("off");
        List<Double> steps = new ArrayList<>();
        defaults.path("thresholds")
                .path("steps")
                .forEach(s -> steps.add(s.path("value").asDouble()));
        assertThat(steps).contains(1000.0);
    }

    @Test
    void panelsHaveUniqueIdsAndDoNotOverlap() throws IOException {
        List<JsonNode> all = new ArrayList<>();
        Dashboard.load().root.path("panels").forEach(all::add);
        assertThat(all.stream().map(p -> p.path("id").asInt()).collect(Collectors.toList()))
                .doesNotHaveDuplicates();
        for (int i = 0; i < all.size(); i++) {
            for (int j = i + 1; j < all.size(); j++) {
                JsonNode a = all.get(i).path("gridPos");
                JsonNode b = all.get(j).path("gridPos");
                boolean overlap =
                        a.path("x").asInt() < b.path("x").asInt() + b.path("w").asInt()
                                && b.path("x").asInt() < a.path("x").asInt() + a.path("w").asInt()
                                && a.path("y").asInt() < b.path("y").asInt() + b.path("h").asInt()
                                && b.path("y").asInt() < a.path("y").asInt() + a.path("h").asInt();
                assertThat(overlap)
                        .as("%s overlaps %s", all.get(i).path("title"), all.get(j).path("title"))
                        .isFalse();
                assertThat(a.path("x").asInt() + a.path("w").asInt()).isLessThanOrEqualTo(24);
            }
        }
    }
}
