package io.prunestream.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The Flink reporter snippet shipped in flink/ is valid YAML and says what the docs say. */
class FlinkReporterConfigTest {

    @Test
    void snippetFileAndConstantAgree() throws IOException {
        Map<String, Object> file =
                new Yaml().load(Files.readString(ModuleFiles.path("flink/metrics-reporter.yaml")));
        Map<String, Object> constant = new Yaml().load(FlinkMetricNames.REPORTER_CONFIG);
        assertThat(file).isEqualTo(constant);
        assertThat(file)
                .containsEntry(
                        "metrics.reporter.prom.factory.class",
                        "org.apache.flink.metrics.prometheus.PrometheusReporterFactory")
                .containsKey("metrics.reporter.prom.port");
        assertThat(Files.readString(ModuleFiles.path(ModuleFiles.README)))
                .contains(
                        "metrics.reporter.prom.factory.class: "
                                + "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
    }
}
