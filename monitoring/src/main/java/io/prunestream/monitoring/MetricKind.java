package io.prunestream.monitoring;

/** The Micrometer meter type behind a {@link PrunestreamMetric}. */
public enum MetricKind {
    COUNTER,
    GAUGE,
    TIMER
}
