package io.prunestream.monitoring;

/** What {@link MetricsEndpoint} does when its configured port is already taken. */
public enum PortConflict {
    /** Fail with an error naming the port and the setting to change (default). */
    FAIL,
    /**
     * Listen on a free port chosen by the OS instead, and log it. Only useful where Prometheus
     * finds the endpoint by discovery, not by a fixed port in its config.
     */
    FALLBACK;

    /** The name users write in configs. */
    @Override
    public String toString() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
