package io.prunestream.job.sink;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.prunestream.connectors.kafka.DeadLetterSink;
import io.prunestream.core.run.ModelVersion;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Announces model versions on a topic as JSON, keyed by run. Exactly-once (the default) writes them
 * in Kafka transactions committed with the checkpoint that commits the version's folder: consumers
 * read with {@code isolation.level=read_committed}.
 */
public final class ModelTopicSink {
    private ModelTopicSink() {}

    public static KafkaSink<ModelVersion> kafka(
            String servers,
            String topic,
            DeliveryGuarantee guarantee,
            String transactionalIdPrefix,
            Map<String, String> clientProperties) {
        Properties props = new Properties();
        // within the broker's default transaction.max.timeout.ms (15 min); Flink's 1 h is refused
        props.setProperty(
                ProducerConfig.TRANSACTION_TIMEOUT_CONFIG,
                Long.toString(DeadLetterSink.TRANSACTION_TIMEOUT_MS));
        props.putAll(clientProperties);
        return KafkaSink.<ModelVersion>builder()
                .setBootstrapServers(servers)
                .setKafkaProducerConfig(props)
                .setDeliveryGuarantee(guarantee)
                .setTransactionalIdPrefix(transactionalIdPrefix)
                .setRecordSerializer(new JsonSerializer(topic))
                .build();
    }

    static final class JsonSerializer implements KafkaRecordSerializationSchema<ModelVersion> {
        private final String topic;
        private transient ObjectMapper json;

        JsonSerializer(String topic) {
            this.topic = topic;
        }

        @Override
        public ProducerRecord<byte[], byte[]> serialize(
                ModelVersion v, KafkaSinkContext ctx, Long timestamp) {
            if (json == null) {
                json = new ObjectMapper();
            }
            try {
                return new ProducerRecord<>(
                        topic,
                        v.runId().getBytes(StandardCharsets.UTF_8),
                        json.writeValueAsBytes(v));
            } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                throw new IllegalStateException("cannot serialise model version " + v.version(), e);
            }
        }
    }
}
