package io.prunestream.job.operators;

import io.prunestream.connectors.kafka.DeadLetter;
import io.prunestream.connectors.kafka.IngestObserver;
import io.prunestream.connectors.record.RejectReason;
import io.prunestream.monitoring.EndpointSettings;
import io.prunestream.monitoring.IngestMetrics;
import io.prunestream.monitoring.MetricsEndpoint;
import java.util.Map;
import java.util.TreeMap;

/**
 * Counts accepted records and samples and rejected records (by reason, every reason at 0 from the
 * start) on the JVM's Prometheus endpoint. The one place ingest is counted.
 */
public class IngestMeter implements IngestObserver {
    private static final long serialVersionUID = 1L;

    private final Map<String, String> endpointConfig;
    private transient MetricsEndpoint.Lease endpoint;
    private transient IngestMetrics metrics;

    /**
     * @param config the job's configuration; only the metrics endpoint's keys are kept
     */
    public IngestMeter(Map<String, String> config) {
        Map<String, String> endpoint = new TreeMap<>();
        for (String k :
                new String[] {
                    EndpointSettings.PORT_KEY,
                    EndpointSettings.BIND_ADDRESS_KEY,
                    EndpointSettings.PORT_CONFLICT_KEY
                }) {
            if (config.containsKey(k)) {
                endpoint.put(k, config.get(k));
            }
        }
        this.endpointConfig = Map.copyOf(endpoint);
    }

    @Override
    public void open() {
        endpoint = MetricsEndpoint.acquireForTask(EndpointSettings.fromMap(endpointConfig));
        metrics = new IngestMetrics(RejectReason.recordReasons().stream().map(Enum::name).toList());
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

    /** Releases the endpoint; the counters stay in it (see {@link IngestMetrics}). */
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
