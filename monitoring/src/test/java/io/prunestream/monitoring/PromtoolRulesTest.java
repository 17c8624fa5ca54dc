package io.prunestream.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The alert rules and the example Prometheus config, checked by the real {@code promtool}, plus
 * what promtool cannot know: every alert has a firing and a non-firing unit test, reads only
 * metrics that exist, and is listed in the README.
 */
class PromtoolRulesTest {

    @BeforeAll
    static void promtoolInstalled() {
        assumeTrue(
                Files.isExecutable(PrometheusServer.PROMTOOL),
                "promtool not found at "
                        + PrometheusServer.PROMTOOL
                        + ": install it (apt-get install prometheus) or pass"
                        + " -Dprunestream.promtool=/path/to/promtool; skipping");
    }

    @Test
    void promtoolChecksTheRules() throws Exception {
        promtool("check", "rules", "alerts.yml");
    }

    @Test
    void promtoolUnitTestsOfTheAlertsPass() throws Exception {
        promtool("test", "rules", "alerts-test.yml");
    }

    @Test
    void promtoolChecksTheExamplePrometheusConfig() throws Exception {
        promtool("check", "config", "prometheus.yml");
    }

    @Test
    void everyAlertHasAFiringAndANonFiringCase() throws IOException {
        Map<String, int[]> cases = new LinkedHashMap<>(); // alert -> {firing, quiet}
        for (String alert : alerts().keySet()) {
            cases.put(alert, new int[2]);
        }
        Map<String, Object> tests = yaml(ModuleFiles.ALERTS_TEST);
        for (Map<String, Object> test : list(tests.get("tests"))) {
            for (Map<String, Object> c : list(test.get("alert_rule_test"))) {
                int[] n = cases.get((String) c.get("alertname"));
                assertThat(n).as("test for unknown alert %s", c.get("alertname")).isNotNull();
                n[list(c.get("exp_alerts")).isEmpty() ? 1 : 0]++;
            }
        }
        cases.forEach(
                (alert, n) -> {
                    assertThat(n[0]).as("firing cases of %s", alert).isPositive();
                    assertThat(n[1]).as("non-firing cases of %s", alert).isPositive();
                });
    }

    @Test
    void alertsReadOnlyMetricsThatExist() throws IOException {
        alerts().forEach(
                        (alert, expr) ->
                                assertThat(PromqlNames.of(expr))
                                        .as("metrics read by %s", alert)
                                        .isNotEmpty()
                                        .isSubsetOf(PromqlNames.known()));
    }

    /**
     * Two deployments in two namespaces must never merge into one alert: every {@code by (...)} and
     * {@code on (...)} keeps {@code namespace}, and no aggregation drops all labels.
     */
    @Test
    void everyAggregationKeepsTheNamespace() throws IOException {
        Pattern grouping = Pattern.compile("\\b(by|on)\\s*\\(([^)]*)\\)");
        Pattern bareAggregation =
                Pattern.compile("\\b(sum|min|max|avg|count|stddev|topk|bottomk|quantile)\\s*\\(");
        alerts().forEach(
                        (alert, expr) -> {
                            Matcher m = grouping.matcher(expr);
                            while (m.find()) {
                                assertThat(m.group(2))
                                        .as("%s: %s", alert, m.group())
                                        .contains("namespace");
                            }
                            assertThat(bareAggregation.matcher(expr).find())
                                    .as(
                                            "%s aggregates without `by (namespace, ...)`: %s",
                                            alert, expr)
                                    .isFalse();
                        });
    }

    @Test
    void announcedMetricsAreNotYetRegistered() {
        Set<String> registered = new HashSet<>();
        for (PrunestreamMetric m : PrunestreamMetric.values()) {
            registered.addAll(m.prometheusNames());
        }
        assertThat(PromqlNames.ANNOUNCED)
                .as("registered now: remove them from PromqlNames.ANNOUNCED")
                .doesNotContainAnyElementsOf(registered);
    }

    @Test
    void theReadmeListsEveryAlert() throws IOException {
        String readme = Files.readString(ModuleFiles.path(ModuleFiles.README));
        assertThat(alerts().keySet()).allSatisfy(a -> assertThat(readme).contains("`" + a + "`"));
    }

    /** Alert name to expression. */
    static Map<String, String> alerts() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (Map<String, Object> group : list(yaml(ModuleFiles.ALERTS).get("groups"))) {
            for (Map<String, Object> rule : list(group.get("rules"))) {
                out.put((String) rule.get("alert"), (String) rule.get("expr"));
            }
        }
        return out;
    }

    private static Map<String, Object> yaml(String file) throws IOException {
        return new Yaml().load(Files.readString(ModuleFiles.path(file)));
    }

    @SuppressWarnings("unchecked")
    private static List<Map<String, Object>> list(Object o) {
        return o == null ? List.of() : (List<Map<String, Object>>) o;
    }

    private static void promtool(String... args) throws IOException, InterruptedException {
        Path dir = ModuleFiles.path(ModuleFiles.ALERTS).getParent();
        List<String> command = new ArrayList<>();
        command.add(PrometheusServer.PROMTOOL.toString());
        command.addAll(List.of(args));
        Process p =
                new ProcessBuilder(command)
                        .directory(dir.toFile())
                        .redirectErrorStream(true)
                        .start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            fail("promtool " + String.join(" ", args) + " did not finish in 60 s:\n" + out);
        }
        if (p.exitValue() != 0) {
            fail(
                    "promtool "
                            + String.join(" ", args)
                            + " (in "
                            + dir
                            + ") failed with exit code "
                            + p.exitValue()
                            + ":\n"
                            + out);
        }
    }
}
