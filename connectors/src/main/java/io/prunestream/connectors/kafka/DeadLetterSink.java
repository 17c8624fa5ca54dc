package io.prunestream.connectors.kafka;

import static org.apache.flink.util.Preconditions.checkArgument;
import static org.apache.flink.util.Preconditions.checkState;

import java.util.Properties;
import java.util.Set;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Builds the {@link KafkaSink} that writes rejected records to a dead-letter topic (see {@link
 * DeadLetterSerializer} for the record layout and headers).
 *
 * <pre>{@code
 * KafkaSink<DeadLetter> sink = DeadLetterSink.builder()
 *         .setBootstrapServers("localhost:9092")
 *         .setTopic("fashion-mnist.dead-letters")
 *         .build();
 * batches.getSideOutput(DeadLetterRouter.DEAD_LETTERS).sinkTo(sink);
 * }</pre>
 *
 * <p>{@link DeliveryGuarantee#EXACTLY_ONCE} writes in Kafka transactions committed on checkpoints:
 * it needs {@link Builder#setTransactionalIdPrefix}, checkpointing, and readers with {@code
 * isolation.level=read_committed}.
 */
public final class DeadLetterSink {
    /**
     * The broker's default {@code transaction.max.timeout.ms}; Flink's own default (1 h) would be
     * refused by a broker left at defaults.
     */
    static final String DEFAULT_TRANSACTION_TIMEOUT_MS = "900000";

    private static final Set<String> OWN_SETTERS =
            Set.of("bootstrap.servers", "key.serializer", "value.serializer", "transactional.id");

    private DeadLetterSink() {}

    public static Builder builder() {
        return new Builder();
    }

    /** Collects the settings; {@link #build()} checks them. */
    public static final class Builder {
        private String bootstrapServers;
        private String topic;
        private DeliveryGuarantee deliveryGuarantee = DeliveryGuarantee.AT_LEAST_ONCE;
        private String transactionalIdPrefix;
        private final Properties properties = new Properties();

        private Builder() {}

        /** Kafka's {@code bootstrap.servers}, e.g. {@code "localhost:9092"}. */
        public Builder setBootstrapServers(String bootstrapServers) {
            this.bootstrapServers = bootstrapServers;
            return this;
        }

        /** The dead-letter topic. */
        public Builder setTopic(String topic) {
            this.topic = topic;
            return this;
        }

        /** Default {@link DeliveryGuarantee#AT_LEAST_ONCE}. */
        public Builder setDeliveryGuarantee(DeliveryGuarantee deliveryGuarantee) {
            this.deliveryGuarantee = deliveryGuarantee;
            return this;
        }

        /** Needed for {@link DeliveryGuarantee#EXACTLY_ONCE}: unique per job on the cluster. */
        public Builder setTransactionalIdPrefix(String transactionalIdPrefix) {
            this.transactionalIdPrefix = transactionalIdPrefix;
            return this;
        }

        /** Any other Kafka producer property. */
        public Builder setProperty(String key, String value) {
            checkArgument(key != null && value != null, "property key and value must not be null");
            checkArgument(
                    !OWN_SETTERS.contains(key),
                    "property '%s' has its own setter (or is fixed by the sink): use"
                            + " setBootstrapServers/setTransactionalIdPrefix instead of"
                            + " setProperty",
                    key);
            properties.setProperty(key, value);
            return this;
        }

        public KafkaSink<DeadLetter> build() {
            checkState(
                    bootstrapServers != null && !bootstrapServers.isBlank(),
                    "bootstrap servers are not set: call setBootstrapServers(\"host:9092\")");
            checkState(
                    topic != null && !topic.isBlank(),
                    "dead-letter topic is not set: call setTopic(\"<topic>.dead-letters\")");
            checkState(
                    deliveryGuarantee != null,
                    "delivery guarantee must not be null: use AT_LEAST_ONCE (default),"
                            + " EXACTLY_ONCE or NONE");
            boolean exactlyOnce = deliveryGuarantee == DeliveryGuarantee.EXACTLY_ONCE;
            checkState(
                    !exactlyOnce
                            || (transactionalIdPrefix != null && !transactionalIdPrefix.isBlank()),
                    "delivery guarantee EXACTLY_ONCE needs a transactional id prefix unique to"
                            + " this job on the cluster: call"
                            + " setTransactionalIdPrefix(\"prunestream-dead-letters\")");
            Properties props = new Properties();
            if (exactlyOnce) {
                props.setProperty(
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, DEFAULT_TRANSACTION_TIMEOUT_MS);
            }
            props.putAll(properties);
            var b =
                    KafkaSink.<DeadLetter>builder()
                            .setBootstrapServers(bootstrapServers)
                            .setKafkaProducerConfig(props)
                            .setRecordSerializer(new DeadLetterSerializer(topic))
                            .setDeliveryGuarantee(deliveryGuarantee);
            if (transactionalIdPrefix != null) {
                b.setTransactionalIdPrefix(transactionalIdPrefix);
            }
            return b.build();
        }
    }
}
