package io.prunestream.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RecordingFailuresTest {

    @Test
    void logsOncePerIntervalButCountsEveryFailure() {
        AtomicLong now = new AtomicLong(0);
        RecordingFailures failures = new RecordingFailures(1_000, now::get);
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        failures.bindTo(registry);
        RuntimeException boom = new IllegalStateException("boom");

        assertThat(failures.report("a", boom)).isTrue();
        now.set(500);
        assertThat(failures.report("a", boom)).isFalse();
        assertThat(failures.report("b", boom)).isTrue(); // its own window
        now.set(1_000);
        assertThat(failures.report("a", boom)).isTrue();

        assertThat(
                        registry.get("prunestream.metrics.failures")
                                .tag("reason", "a")
                                .counter()
                                .count())
                .isEqualTo(3);
        registry.close();
    }
}
