package io.prunestream.monitoring;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PromqlNamesTest {

    @Test
    void findsMetricNamesButNotFunctionsLabelsOrKeywords() {
        assertThat(
                        PromqlNames.of(
                                "sum by (run) (rate(prunestream_train_samples_total{run=~\"$run\","
                                        + " layer!=\"a b\"}[$__rate_interval])) / on (run)"
                                        + " group_left max(flink_x offset 5m) > 1e3 and"
                                        + " abs(y) == +Inf or z != bool NaN"))
                .containsExactlyInAnyOrder("prunestream_train_samples_total", "flink_x", "y", "z");
    }
}
