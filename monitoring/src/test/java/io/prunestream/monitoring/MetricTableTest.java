package io.prunestream.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The README's metric table, the {@link PrunestreamMetric} catalogue and the meters the binders
 * really register are the same thing.
 */
class MetricTableTest {

    @Test
    void readmeTableIsTheCatalogue() throws IOException {
        String readme = Files.readString(ModuleFiles.path(ModuleFiles.README));
        String table = markdownTable();
        assertThat(readme)
                .as("README.md must contain this table (copy it from here):%n%s", table)
                .contains(table);
    }

    @Test
    void bindersRegisterExactlyTheCatalogue() {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        TrainingMetrics training = new TrainingMetrics();
        IngestMetrics ingest = new IngestMetrics();
        ModelVersionMetrics versions = new ModelVersionMetrics();
        TransactionMetrics transactions = new TransactionMetrics("dead-letter-topic");
        transactions.bindTo(registry);
        training.bindTo(registry);
        ingest.bindTo(registry);
        versions.bindTo(registry);
        for (int i = 0; i < 10; i++) {
            training.record(Events.step("r1", i, 20));
            training.record(Events.continuous("c1", i, 20));
        }
        ingest.accepted(64);
        ingest.rejected("bad-magic");
        versions.published("r1");
        training.record(null); // counted in prunestream.metrics.failures

        Map<String, PrunestreamMetric> byName = new HashMap<>();
        for (PrunestreamMetric m : PrunestreamMetric.values()) {
            byName.put(m.meterName(), m);
        }
        Set<String> registered = new HashSet<>();
        for (Meter meter : registry.getMeters()) {
            String name = meter.getId().getName();
            PrunestreamMetric m = byName.get(name);
            assertThat(m).as("registered meter %s is in the catalogue", name).isNotNull();
            assertThat(kind(meter)).as("type of %s", name).isEqualTo(m.kind());
            assertThat(
                            meter.getId().getTags().stream()
                                    .map(Tag::getKey)
                                    .collect(Collectors.toSet()))
                    .as("tag keys of %s", name)
                    .isEqualTo(Set.copyOf(m.tags()));
            registered.add(name);
        }
        assertThat(registered).isEqualTo(byName.keySet());

        String scrape = registry.scrape();
        for (PrunestreamMetric m : PrunestreamMetric.values()) {
            for (String series : m.prometheusNames()) {
                assertThat(scrape)
                        .as("Prometheus series of %s", m)
                        .containsPattern("(?m)^" + series + "[{ ]");
            }
        }
        assertThat(scrape).doesNotContainPattern("(?m)^prunestream_\\w*_total_total");
        registry.close();
    }

    @Test
    void namesFollowMicrometerConventions() {
        for (PrunestreamMetric m : PrunestreamMetric.values()) {
            assertThat(m.meterName())
                    .matches("prunestream(\\.[a-z]+)+")
                    .doesNotEndWith("total")
                    .doesNotEndWith("_total");
            assertThat(m.tags())
                    .isSubsetOf("run", "layer", "reason", "phase", "group", "action", "sink");
        }
    }

    private static MetricKind kind(Meter meter) {
        if (meter instanceof Counter) {
            return MetricKind.COUNTER;
        } else if (meter instanceof Gauge) {
            return MetricKind.GAUGE;
        } else if (meter instanceof Timer) {
            return MetricKind.TIMER;
        }
        throw new AssertionError("unexpected meter type " + meter.getClass());
    }

    /** The table as the README must show it. */
    static String markdownTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| Micrometer name | Prometheus series | Type | Unit | Tags | Meaning |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (PrunestreamMetric m : PrunestreamMetric.values()) {
            sb.append("| `")
                    .append(m.meterName())
                    .append("` | ")
                    .append(
                            m.prometheusNames().stream()
                                    .map(n -> "`" + n + "`")
                                    .collect(Collectors.joining("<br>")))
                    .append(" | ")
                    .append(m.kind().name().toLowerCase(java.util.Locale.ROOT))
                    .append(" | ")
                    .append(m.unit().isEmpty() ? "—" : m.unit())
                    .append(" | ")
                    .append(
                            m.tags().isEmpty()
                                    ? "—"
                                    : m.tags().stream()
                                            .map(t -> "`" + t + "`")
                                            .collect(Collectors.joining(", ")))
                    .append(" | ")
                    .append(m.description().replace("|", "\\|"))
                    .append(" |\n");
        }
        return sb.toString();
    }
}
