package io.prunestream.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import org.junit.jupiter.api.Test;

class IngestMetricsTest {

    private final PrometheusMeterRegistry registry =
            new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    @Test
    void countsAcceptedAndRejectedByReason() {
        IngestMetrics ingest = new IngestMetrics();
        ingest.bindTo(registry);
        assertThat(registry.get("prunestream.ingest.accepted").counter().count()).isZero();

        ingest.accepted(64);
        ingest.rejected("bad-version");
        ingest.rejected("Bad Version", 2); // normalised to "bad_version"
        ingest.rejected("bad-version");

        assertThat(registry.get("prunestream.ingest.accepted").counter().count()).isEqualTo(64);
        assertThat(
                        registry.get("prunestream.ingest.rejected")
                                .tag("reason", "bad-version")
                                .counter()
                                .count())
                .isEqualTo(2);
        assertThat(
                        registry.get("prunestream.ingest.rejected")
                                .tag("reason", "bad_version")
                                .counter()
                                .count())
                .isEqualTo(2);
        assertThat(registry.scrape())
                .contains("prunestream_ingest_accepted_total 64.0")
                .contains("prunestream_ingest_rejected_total{reason=\"bad-version\"} 2.0");
    }

    @Test
    void acceptedRecordsAndSamplesAreCountedInTheirOwnUnits() {
        IngestMetrics ingest = new IngestMetrics();
        ingest.bindTo(registry);
        assertThat(registry.get("prunestream.ingest.accepted.records").counter().count()).isZero();

        ingest.accepted(64); // one record of 64 samples
        ingest.accepted(1); // one record of one sample
        ingest.accepted(3, 30);

        assertThat(registry.get("prunestream.ingest.accepted.records").counter().count())
                .isEqualTo(5);
        assertThat(registry.get("prunestream.ingest.accepted").counter().count()).isEqualTo(95);
        assertThat(registry.scrape())
                .contains("prunestream_ingest_accepted_records_total 5.0")
                .contains("prunestream_ingest_accepted_total 95.0");
    }

    @Test
    void knownReasonsAreScrapedAtZeroBeforeTheFirstRejection() {
        IngestMetrics ingest = new IngestMetrics(List.of("NULL_VALUE", "BAD_MAGIC"));
        ingest.bindTo(registry);

        assertThat(registry.scrape())
                .contains("prunestream_ingest_rejected_total{reason=\"null_value\"} 0.0")
                .contains("prunestream_ingest_rejected_total{reason=\"bad_magic\"} 0.0");
        ingest.rejected("BAD_MAGIC");
        assertThat(registry.scrape())
                .contains("prunestream_ingest_rejected_total{reason=\"bad_magic\"} 1.0");
        assertThat(registry.find("prunestream.ingest.rejected").counters()).hasSize(2);
    }

    @Test
    void countsOutliveTheBinderAndContinueInTheNextOne() {
        IngestMetrics first = new IngestMetrics(List.of("BAD_MAGIC"));
        first.bindTo(registry);
        first.accepted(8);
        first.rejected("BAD_MAGIC");
        first.close(); // a bounded input ended: the ingest step closes, training goes on
        first.rejected("BAD_MAGIC"); // ignored after close

        assertThat(registry.scrape())
                .contains("prunestream_ingest_accepted_total 8.0")
                .contains("prunestream_ingest_rejected_total{reason=\"bad_magic\"} 1.0");
        // after a restart in the same process, the same series go on counting
        IngestMetrics second = new IngestMetrics(List.of("BAD_MAGIC"));
        second.bindTo(registry);
        second.accepted(8);
        second.rejected("BAD_MAGIC");
        assertThat(registry.get("prunestream.ingest.accepted").counter().count()).isEqualTo(16);
        assertThat(registry.get("prunestream.ingest.accepted.records").counter().count())
                .isEqualTo(2);
        assertThat(
                        registry.get("prunestream.ingest.rejected")
                                .tag("reason", "bad_magic")
                                .counter()
                                .count())
                .isEqualTo(2);
    }

    @Test
    void reasonCardinalityIsCapped() {
        IngestMetrics ingest = new IngestMetrics();
        ingest.bindTo(registry);
        for (int i = 0; i < IngestMetrics.MAX_REASONS + 10; i++) {
            ingest.rejected("reason-" + i);
        }
        ingest.rejected(null);
        assertThat(registry.find("prunestream.ingest.rejected").counters())
                .hasSize(IngestMetrics.MAX_REASONS + 1);
        assertThat(
                        registry.get("prunestream.ingest.rejected")
                                .tag("reason", "other")
                                .counter()
                                .count())
                .isEqualTo(11);
        assertThat(IngestMetrics.normalise("  Shape <28x28>! ")).isEqualTo("shape_28x28_");
    }

    @Test
    void neverThrowsEvenUnbound() {
        IngestMetrics ingest = new IngestMetrics();
        assertThatCode(() -> ingest.accepted(1)).doesNotThrowAnyException();
        assertThatCode(() -> ingest.rejected("x")).doesNotThrowAnyException();
        ingest.close();
    }

    @Test
    void modelVersionsAreCountedPerRun() {
        ModelVersionMetrics versions = new ModelVersionMetrics();
        versions.bindTo(registry);
        versions.published("r1");
        versions.published("r1");
        versions.published(null); // swallowed
        assertThat(registry.get("prunestream.model.versions").tag("run", "r1").counter().count())
                .isEqualTo(2);
        assertThat(registry.scrape()).contains("prunestream_model_versions_total{run=\"r1\"} 2.0");
        versions.close();
        assertThat(registry.find("prunestream.model.versions").counters()).isEmpty();
    }

    @Test
    void versionsWithoutOnnxAreCountedAndTheSeriesStartsAtZero() {
        ModelVersionMetrics versions = new ModelVersionMetrics();
        versions.bindTo(registry);
        versions.published("r1", true);
        versions.published("r2", false);
        versions.published("r2", true);
        assertThat(registry.scrape())
                .contains("prunestream_model_export_failures_total{run=\"r1\"} 0.0")
                .contains("prunestream_model_export_failures_total{run=\"r2\"} 1.0")
                .contains("prunestream_model_versions_total{run=\"r2\"} 2.0");
        versions.close();
        assertThat(registry.find("prunestream.model.export.failures").counters()).isEmpty();
    }
}
