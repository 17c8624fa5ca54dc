package io.prunestream.connectors.producer;

import static org.apache.flink.util.Preconditions.checkState;

import io.prunestream.connectors.kafka.KafkaClientBuilder;
import io.prunestream.connectors.record.DType;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.Datasets.Split;
import java.util.Map;
import java.util.Set;

/**
 * What {@link DatasetProducer} sends where. Build with {@link #builder()}; {@code build()} checks
 * every value and says what to change.
 *
 * <pre>{@code
 * ProducerSettings s = ProducerSettings.builder()
 *         .setBootstrapServers("localhost:9092")
 *         .setTopic("fashion-mnist")
 *         .setLimit(10_000)
 *         .setSamplesPerRecord(32)
 *         .build();
 * long records = DatasetProducer.produce(s);
 * }</pre>
 *
 * @param bootstrapServers Kafka's {@code bootstrap.servers}
 * @param topic where the records go
 * @param dataset which data set to stream (default Fashion-MNIST)
 * @param split train or test (default train)
 * @param limit most samples to send (default: the whole split)
 * @param rate samples per second, 0 for as fast as possible (default 0)
 * @param samplesPerRecord samples in one record, 1..65535 (default 1)
 * @param key record key for every record, e.g. a run id; null spreads records over all partitions
 *     in turn (default null)
 * @param dtype how sample values are stored (default uint8)
 * @param producerProperties extra Kafka producer properties, overriding the defaults
 */
public record ProducerSettings(
        String bootstrapServers,
        String topic,
        Datasets dataset,
        Split split,
        long limit,
        double rate,
        int samplesPerRecord,
        String key,
        DType dtype,
        Map<String, String> producerProperties) {

    public ProducerSettings {
        producerProperties = Map.copyOf(producerProperties);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder holding these settings, to change a few. */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.setBootstrapServers(bootstrapServers);
        b.topic = topic;
        b.dataset = dataset;
        b.split = split;
        b.limit = limit;
        b.rate = rate;
        b.samplesPerRecord = samplesPerRecord;
        b.key = key;
        b.dtype = dtype;
        b.setProperties(producerProperties);
        return b;
    }

    /** Collects settings; {@link #build()} checks them. */
    public static final class Builder extends KafkaClientBuilder<Builder> {
        private String topic;
        private Datasets dataset = Datasets.FASHION_MNIST;
        private Split split = Split.TRAIN;
        private long limit = Long.MAX_VALUE;
        private double rate;
        private int samplesPerRecord = 1;
        private String key;
        private DType dtype = DType.UINT8;

        private Builder() {
            super(
                    Set.of("bootstrap.servers", "key.serializer", "value.serializer"),
                    "the producer sets it itself: use setBootstrapServers for"
                            + " bootstrap.servers; keys and values are always bytes");
        }

        public Builder setTopic(String topic) {
            this.topic = topic;
            return this;
        }

        public Builder setDataset(Datasets dataset) {
            this.dataset = dataset;
            return this;
        }

        public Builder setSplit(Split split) {
            this.split = split;
            return this;
        }

        /** Most samples to send; the whole split when it has fewer. */
        public Builder setLimit(long limit) {
            this.limit = limit;
            return this;
        }

        /** Samples per second; 0 sends as fast as the broker takes them. */
        public Builder setRate(double samplesPerSecond) {
            this.rate = samplesPerSecond;
            return this;
        }

        public Builder setSamplesPerRecord(int samplesPerRecord) {
            this.samplesPerRecord = samplesPerRecord;
            return this;
        }

        /** Key of every record; null (default) cycles records over the topic's partitions. */
        public Builder setKey(String key) {
            this.key = key;
            return this;
        }

        public Builder setDtype(DType dtype) {
            this.dtype = dtype;
            return this;
        }

        public ProducerSettings build() {
            checkBootstrapServers();
            checkState(
                    topic != null && !topic.isBlank(),
                    "topic is not set: call setTopic(\"fashion-mnist\")");
            checkState(dataset != null, "data set is null: use Datasets.FASHION_MNIST or MNIST");
            checkState(split != null, "split is null: use Split.TRAIN or Split.TEST");
            checkState(
                    limit >= 1,
                    "limit is %s, expected >= 1 samples (leave it unset for all)",
                    limit);
            checkState(
                    rate >= 0 && Double.isFinite(rate),
                    "rate is %s samples/s, expected > 0, or 0 for as fast as possible",
                    rate);
            checkState(
                    samplesPerRecord >= 1 && samplesPerRecord <= SampleBatch.MAX_COUNT,
                    "samples per record is %s, expected 1..%s",
                    samplesPerRecord,
                    SampleBatch.MAX_COUNT);
            checkState(dtype != null, "dtype is null: use DType.UINT8 or DType.FLOAT32");
            return new ProducerSettings(
                    bootstrapServers,
                    topic,
                    dataset,
                    split,
                    limit,
                    rate,
                    samplesPerRecord,
                    key,
                    dtype,
                    properties.asMap());
        }
    }
}
