package io.prunestream.connectors.kafka;

import static org.apache.flink.util.Preconditions.checkState;

import java.util.Map;
import java.util.Set;

/**
 * What every builder of a Kafka client here takes: the brokers and any other client property.
 *
 * @param <B> the builder, returned by each setter
 */
public abstract class KafkaClientBuilder<B extends KafkaClientBuilder<B>> {
    protected String bootstrapServers;
    protected final ExtraProperties properties;

    /**
     * @param owned client properties the builder sets itself
     * @param instead what to call for those, named when {@link #setProperty} refuses one
     */
    protected KafkaClientBuilder(Set<String> owned, String instead) {
        this.properties = new ExtraProperties(owned, instead);
    }

    /** Kafka's {@code bootstrap.servers}, e.g. {@code "localhost:9092"}. */
    public B setBootstrapServers(String bootstrapServers) {
        this.bootstrapServers = bootstrapServers;
        return self();
    }

    /**
     * Any other Kafka client property, e.g. {@code max.request.size}, {@code security.protocol} or
     * {@code sasl.jaas.config}; it overrides the builder's defaults. Values may be secrets: no
     * message shows them.
     */
    public B setProperty(String key, String value) {
        properties.put(key, value);
        return self();
    }

    /** {@link #setProperty} for each entry, e.g. a cluster's security settings. */
    public B setProperties(Map<String, String> properties) {
        this.properties.putAll(properties);
        return self();
    }

    /** Fails with what to call when the bootstrap servers are missing. */
    protected void checkBootstrapServers() {
        checkState(
                bootstrapServers != null && !bootstrapServers.isBlank(),
                "bootstrap servers are not set: call setBootstrapServers(\"host:9092\")");
    }

    @SuppressWarnings("unchecked")
    private B self() {
        return (B) this;
    }
}
