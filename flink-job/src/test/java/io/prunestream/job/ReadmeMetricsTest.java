package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.monitoring.PrunestreamMetric;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The main README lists every metric the job exports, under its Micrometer name. */
class ReadmeMetricsTest {
    @Test
    void readmeListsEveryMetric() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        for (PrunestreamMetric m : PrunestreamMetric.values()) {
            assertThat(readme)
                    .as("README lists %s", m.meterName())
                    .contains("`" + m.meterName() + "`");
        }
    }
}
