package io.prunestream.connectors.producer;

import static org.apache.flink.util.Preconditions.checkState;

import io.prunestream.connectors.kafka.KafkaClientBuilder;
import io.prunestream.connectors.record.DType;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.core.data.CsvFile;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.Datasets.Split;
import io.prunestream.core.data.SampleSource;
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
 * @param data which data to stream: a built-in image data set (default Fashion-MNIST) or a CSV file
 *     of feature vectors, sent as float32 samples of rank 1
 * @param split train or test (default train; a CSV file has no splits)
 * @param limit most samples to send (default: the whole split)
 * @param rate samples per second, 0 for as fast as possible (default 0)
 * @param samplesPerRecord samples in one record, 1..65535 (default 1)
 * @param key record key for every record, e.g. a run id; null spreads records over all partitions
 *     in turn (default null)
 * @param dtype how sample values are stored (default uint8 for images, float32 for a CSV file,
 *     which can only be float32)
 * @param producerProperties extra Kafka producer properties, overriding the defaults
 * @param shift a change made to every sample from {@code shiftAfter} on (drift on purpose), or null
 * @param shiftAfter samples sent unchanged before the shift
 */
public record ProducerSettings(
        String bootstrapServers,
        String topic,
        SampleSource data,
        Split split,
        long limit,
        double rate,
        int samplesPerRecord,
        String key,
        DType dtype,
        Map<String, String> producerProperties,
        DataShift shift,
        long shiftAfter) {

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
        b.data = data;
        b.split = split;
        b.limit = limit;
        b.rate = rate;
        b.samplesPerRecord = samplesPerRecord;
        b.key = key;
        b.dtype = dtype;
        b.setProperties(producerProperties);
        b.shift = shift;
        b.shiftAfter = shiftAfter;
        return b;
    }

    /** Collects settings; {@link #build()} checks them. */
    public static final class Builder extends KafkaClientBuilder<Builder> {
        private String topic;
        private SampleSource data = Datasets.FASHION_MNIST;
        private Split split = Split.TRAIN;
        private long limit = Long.MAX_VALUE;
        private double rate;
        private int samplesPerRecord = 1;
        private String key;
        private DType dtype;
        private DataShift shift;
        private long shiftAfter;

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
            this.data = dataset;
            return this;
        }

        /** A built-in data set or a CSV file ({@link SampleSource#parse}). */
        public Builder setData(SampleSource data) {
            this.data = data;
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

        /** uint8 or float32; unset: uint8 for images, float32 for a CSV file. */
        public Builder setDtype(DType dtype) {
            this.dtype = dtype;
            return this;
        }

        /** Changes every sample from the {@code after}-th on (drift on purpose); null for none. */
        public Builder setShift(DataShift shift, long after) {
            this.shift = shift;
            this.shiftAfter = after;
            return this;
        }

        public ProducerSettings build() {
            checkBootstrapServers();
            checkState(
                    topic != null && !topic.isBlank(),
                    "topic is not set: call setTopic(\"fashion-mnist\")");
            checkState(
                    data != null,
                    "data is null: use Datasets.FASHION_MNIST, MNIST or CsvFile.of(\"FILE\")");
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
            boolean csv = data instanceof CsvFile;
            checkState(
                    !csv || dtype != DType.UINT8,
                    "%s holds float features, sent as float32: leave the dtype unset or use"
                            + " float32",
                    data.id());
            checkState(
                    shiftAfter >= 0,
                    "shift after %s samples: expected 0 or more (0 = from the first)",
                    shiftAfter);
            DType type = dtype != null ? dtype : csv ? DType.FLOAT32 : DType.UINT8;
            return new ProducerSettings(
                    bootstrapServers,
                    topic,
                    data,
                    split,
                    limit,
                    rate,
                    samplesPerRecord,
                    key,
                    type,
                    properties.asMap(),
                    shift,
                    shiftAfter);
        }
    }
}
