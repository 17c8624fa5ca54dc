package io.prunestream.job.operators;

import io.prunestream.connectors.kafka.DeadLetter;
import io.prunestream.connectors.kafka.IngestObserver;
import io.prunestream.monitoring.EndpointSettings;
import io.prunestream.monitoring.IngestMetrics;
import io.prunestream.monitoring.MetricsEndpoint;
import java.util.Map;

/** Counts accepted samples and rejected records (by reason) on the JVM's Prometheus endpoint. */
public class IngestMeter implements IngestObserver {
    private final Map<String, String> endpointConfig;
    private transient MetricsEndpoint.Lease endpoint;
    private transient IngestMetrics metrics;

    public IngestMeter(Map<String, String> endpointConfig) {
        this.endpointConfig = Map.copyOf(endpointConfig);
    }

    @Override
    public void open() {
        endpoint = MetricsEndpoint.acquire(EndpointSettings.fromMap(endpointConfig));
        metrics = new IngestMetrics();
        metrics.bindTo(endpoint.registry());
    }

    @Override
    public void accepted(int samples) {
        metrics.accepted(samples);
    }

    @Override
    public void rejected(DeadLetter deadLetter) {
        metrics.rejected(deadLetter.reason().name());
    }

    @Override
    public void close() {
        if (metrics != null) {
            metrics.close();
        }
        if (endpoint != null) {
            endpoint.close();
        }
    }
}
