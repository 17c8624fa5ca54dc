package io.prunestream.connectors.kafka;

import static org.apache.flink.util.Preconditions.checkState;

import io.prunestream.connectors.record.RecordValidator;
import io.prunestream.connectors.record.ValueRange;
import io.prunestream.core.config.Named;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.kafka.clients.consumer.OffsetResetStrategy;

/**
 * Builds the {@link KafkaSource} that reads training records: every record becomes one {@link
 * IngestedRecord}, accepted or a dead letter (see {@link TrainingRecordDeserializer}).
 *
 * <pre>{@code
 * KafkaSource<IngestedRecord> source = TrainingSource.builder()
 *         .setBootstrapServers("localhost:9092")
 *         .setTopics("fashion-mnist")
 *         .setGroupId("prunestream")
 *         .setExpectedSampleShape(1, 28, 28)
 *         .setClasses(10)
 *         .build();
 * DataStream<IngestedRecord> records =
 *         env.fromSource(source, WatermarkStrategy.noWatermarks(), "training records");
 * SingleOutputStreamOperator<SampleBatch> batches = records.process(new DeadLetterRouter());
 * batches.getSideOutput(DeadLetterRouter.DEAD_LETTERS).sinkTo(deadLetterSink);
 * }</pre>
 */
public final class TrainingSource {
    private TrainingSource() {}

    public static Builder builder() {
        return new Builder();
    }

    /**
     * Where reading starts when the job does not restore a checkpoint or savepoint (a restore
     * always continues from the offsets in it).
     */
    public enum StartingOffsets implements Named {
        /** The oldest record still in each partition. */
        EARLIEST,
        /** Only records produced after the job starts. */
        LATEST,
        /**
         * The consumer group's committed offsets (Flink commits them on every checkpoint); the
         * oldest record in partitions where the group has committed none.
         */
        COMMITTED;

        private static final String ADVICE =
                "earliest, latest or committed (the group's committed offsets, earliest where it"
                        + " has none)";

        /** Parses {@code earliest}, {@code latest} or {@code committed} (any case). */
        public static StartingOffsets parse(String s) {
            return Named.parse(StartingOffsets.class, s, "starting offsets", ADVICE);
        }

        @SuppressWarnings("deprecation") // the connector's API still takes OffsetResetStrategy
        OffsetsInitializer initializer() {
            return switch (this) {
                case EARLIEST -> OffsetsInitializer.earliest();
                case LATEST -> OffsetsInitializer.latest();
                case COMMITTED -> OffsetsInitializer.committedOffsets(OffsetResetStrategy.EARLIEST);
            };
        }
    }

    /** Collects the settings; {@link #build()} checks them. */
    public static final class Builder extends KafkaClientBuilder<Builder> {
        private final List<String> topics = new ArrayList<>();
        private String groupId;
        private StartingOffsets startingOffsets = StartingOffsets.COMMITTED;
        private int[] expectedSampleShape;
        private int classes;
        private ValueRange valueRange = ValueRange.DEFAULT;
        private boolean bounded;

        private Builder() {
            super(
                    Set.of(
                            "bootstrap.servers",
                            "group.id",
                            "key.deserializer",
                            "value.deserializer",
                            "auto.offset.reset"),
                    "use setBootstrapServers/setGroupId/setStartingOffsets instead of"
                            + " setProperty");
        }

        /** The topics to read; replaces earlier calls. */
        public Builder setTopics(String... topics) {
            return setTopics(Arrays.asList(topics));
        }

        public Builder setTopics(List<String> topics) {
            this.topics.clear();
            this.topics.addAll(topics);
            return this;
        }

        /** The consumer group; offsets are committed under it on every checkpoint. */
        public Builder setGroupId(String groupId) {
            this.groupId = groupId;
            return this;
        }

        /** Default {@link StartingOffsets#COMMITTED}. */
        public Builder setStartingOffsets(StartingOffsets startingOffsets) {
            this.startingOffsets = startingOffsets;
            return this;
        }

        /** Dims of one sample the job trains on, e.g. {@code 1, 28, 28}. */
        public Builder setExpectedSampleShape(int... dims) {
            this.expectedSampleShape = dims == null ? null : dims.clone();
            return this;
        }

        /** Number of classes; labels outside {@code 0..classes-1} are dead letters. */
        public Builder setClasses(int classes) {
            this.classes = classes;
            return this;
        }

        /** Where float32 values must lie; default {@link ValueRange#DEFAULT}. */
        public Builder setValueRange(ValueRange valueRange) {
            this.valueRange = valueRange;
            return this;
        }

        /**
         * When true, the source stops at the offsets that are latest when the job starts (for tests
         * and bounded runs); default false, reading forever.
         */
        public Builder setBounded(boolean bounded) {
            this.bounded = bounded;
            return this;
        }

        public KafkaSource<IngestedRecord> build() {
            checkBootstrapServers();
            checkState(
                    !topics.isEmpty(),
                    "no topics are set: call setTopics(\"fashion-mnist\") with the topic the"
                            + " producer writes to");
            for (String t : topics) {
                checkState(
                        t != null && !t.isBlank(),
                        "topics %s contain a blank name: pass real topic names",
                        topics);
            }
            checkState(
                    groupId != null && !groupId.isBlank(),
                    "group id is not set: call setGroupId(\"prunestream\"); Kafka keeps the"
                            + " committed offsets under it");
            checkState(
                    startingOffsets != null,
                    "starting offsets must not be null: use EARLIEST, LATEST or COMMITTED");
            checkState(
                    valueRange != null,
                    "value range must not be null: call setValueRange(ValueRange.DEFAULT)");
            checkState(
                    expectedSampleShape != null,
                    "expected sample shape is not set: call setExpectedSampleShape(1, 28, 28)"
                            + " (channels, height, width of one sample)");
            checkState(
                    classes >= 1,
                    "classes is %s: call setClasses(n) with n >= 1 (10 for Fashion-MNIST)",
                    classes);
            RecordValidator validator;
            try {
                validator = new RecordValidator(expectedSampleShape, classes, valueRange);
            } catch (IllegalArgumentException e) {
                throw new IllegalStateException(
                        e.getMessage() + ": fix setExpectedSampleShape(...)", e);
            }
            var b =
                    KafkaSource.<IngestedRecord>builder()
                            .setProperties(properties.toProperties())
                            .setBootstrapServers(bootstrapServers)
                            .setTopics(topics)
                            .setGroupId(groupId)
                            .setStartingOffsets(startingOffsets.initializer())
                            .setDeserializer(new TrainingRecordDeserializer(validator));
            if (bounded) {
                b.setBounded(OffsetsInitializer.latest());
            }
            return b.build();
        }
    }
}
