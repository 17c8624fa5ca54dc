package io.prunestream.connectors.kafka;

import static io.prunestream.connectors.kafka.DeadLetterSerializer.HEADER_DETAIL;
import static io.prunestream.connectors.kafka.DeadLetterSerializer.HEADER_REASON;
import static io.prunestream.connectors.kafka.DeadLetterSerializer.HEADER_SOURCE_OFFSET;
import static io.prunestream.connectors.kafka.DeadLetterSerializer.HEADER_SOURCE_PARTITION;
import static io.prunestream.connectors.kafka.DeadLetterSerializer.HEADER_SOURCE_TOPIC;
import static io.prunestream.testing.KafkaFlinkCluster.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.connectors.producer.DatasetProducer;
import io.prunestream.connectors.producer.ProducerSettings;
import io.prunestream.connectors.producer.Progress;
import io.prunestream.connectors.record.DType;
import io.prunestream.connectors.record.RecordValidator;
import io.prunestream.connectors.record.RejectReason;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.connectors.record.SampleBatchCodec;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.testing.KafkaFlinkCluster;
import io.prunestream.testing.RecordingInterceptor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The ingest path end to end on a real Kafka broker and a Flink mini cluster: Fashion-MNIST through
 * {@link DatasetProducer}, malformed records through a plain producer, {@link TrainingSource} →
 * {@link DeadLetterRouter} → {@link DeadLetterSink}, and the dead-letter topic read back.
 */
class KafkaIngestITCase {
    private static final String SAMPLES = "fashion-mnist";
    private static final String DEAD_LETTERS = "fashion-mnist.dead-letters";
    private static final int SINGLE_SAMPLES = 100;
    private static final int BATCHED_SAMPLES = 400;
    private static final int SAMPLES_PER_RECORD = 32;

    @RegisterExtension static final KafkaFlinkCluster CLUSTER = KafkaFlinkCluster.builder().build();

    @BeforeAll
    static void createTopics() {
        CLUSTER.createTopic(SAMPLES, 2);
        CLUSTER.createTopic(DEAD_LETTERS, 1);
    }

    @Test
    void goodRecordsReachTrainingAndBadOnesTheDeadLetterTopicUnchanged() throws Exception {
        // 100 one-sample uint8 records cycled over both partitions, then 400 samples as 13
        // float32 mini-batch records (12 x 32 + 16) keyed by a run id.
        long singles = DatasetProducer.produce(settings(SINGLE_SAMPLES, 1, DType.UINT8, null));
        long batched =
                DatasetProducer.produce(
                        settings(BATCHED_SAMPLES, SAMPLES_PER_RECORD, DType.FLOAT32, "run-1"));
        assertThat(singles).isEqualTo(SINGLE_SAMPLES);
        assertThat(batched).isEqualTo(13);
        Map<String, byte[]> bad = malformedRecords();
        sendRaw(bad);

        List<SampleBatch> accepted = runPipeline();

        long producedRecords = singles + batched + bad.size();
        Map<String, ConsumerRecord<byte[], byte[]>> dead = readDeadLetters(bad.size());
        // client properties reach the source's consumers and the dead-letter producer: the
        // interceptor they install counted every record each client handled
        assertThat(RecordingInterceptor.consumed("source")).isEqualTo(producedRecords);
        assertThat(RecordingInterceptor.sent("dead-letters")).isEqualTo(bad.size());
        // ... and the held-out reader's consumer, which skips the invalid records
        List<SampleBatch> heldOut =
                HeldOutTopic.read(
                        CLUSTER.bootstrapServers(),
                        SAMPLES,
                        new RecordValidator(new int[] {1, 28, 28}, 10),
                        Integer.MAX_VALUE,
                        RecordingInterceptor.properties("held-out"));
        assertThat(RecordingInterceptor.consumed("held-out")).isEqualTo(producedRecords);
        assertThat(heldOut.stream().mapToInt(SampleBatch::count).sum())
                .isEqualTo(SINGLE_SAMPLES + BATCHED_SAMPLES);
        assertThat(dead).hasSize(bad.size());
        assertThat(accepted.size() + dead.size()).isEqualTo(producedRecords);
        assertThat(accepted.stream().mapToInt(SampleBatch::count).sum())
                .isEqualTo(SINGLE_SAMPLES + BATCHED_SAMPLES);
        assertThat(accepted)
                .allSatisfy(b -> assertThat(b.sampleShape()).containsExactly(1, 28, 28));
        assertThat(labelCounts(accepted)).isEqualTo(expectedLabelCounts());
        assertSamplesAreTrainImagesWithTheirLabels(accepted);

        for (Map.Entry<String, byte[]> e : bad.entrySet()) {
            ConsumerRecord<byte[], byte[]> r = dead.get(e.getKey());
            assertThat(r).as("dead letter for key %s", e.getKey()).isNotNull();
            assertThat(header(r, HEADER_REASON)).isEqualTo(e.getKey());
            assertThat(r.value()).isEqualTo(e.getValue());
            assertThat(header(r, HEADER_DETAIL)).isNotBlank();
            assertThat(header(r, HEADER_SOURCE_TOPIC)).isEqualTo(SAMPLES);
            assertThat(Integer.parseInt(header(r, HEADER_SOURCE_PARTITION))).isBetween(0, 1);
            assertThat(Long.parseLong(header(r, HEADER_SOURCE_OFFSET))).isNotNegative();
        }
    }

    @Test
    void startingOffsetsCommittedEarliestAndLatest() throws Exception {
        CLUSTER.createTopic("offsets", 1);
        assertThat(DatasetProducer.produce(settings("offsets", 10, 1, DType.UINT8, null)))
                .isEqualTo(10);
        TopicPartition tp = new TopicPartition("offsets", 0);
        try (KafkaConsumer<byte[], byte[]> c =
                CLUSTER.consumer(Map.of(ConsumerConfig.GROUP_ID_CONFIG, "committed-at-4"))) {
            c.commitSync(Map.of(tp, new OffsetAndMetadata(4)));
        }

        assertThat(offsetsRead("committed-at-4", TrainingSource.StartingOffsets.COMMITTED))
                .containsExactly(4L, 5L, 6L, 7L, 8L, 9L);
        // no committed offset for this group: from the earliest record
        assertThat(offsetsRead("never-committed", TrainingSource.StartingOffsets.COMMITTED))
                .containsExactly(0L, 1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L);
        assertThat(offsetsRead("committed-at-4", TrainingSource.StartingOffsets.EARLIEST))
                .hasSize(10)
                .startsWith(0L);
        // bounded at the offsets latest at start: latest reads nothing
        assertThat(offsetsRead("committed-at-4", TrainingSource.StartingOffsets.LATEST)).isEmpty();
    }

    /** The offsets a bounded source on topic "offsets" reads for this group and start. */
    private static List<Long> offsetsRead(String group, TrainingSource.StartingOffsets start)
            throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        List<Long> offsets = new ArrayList<>();
        try (CloseableIterator<IngestedRecord> it =
                env.fromSource(
                                TrainingSource.builder()
                                        .setBootstrapServers(CLUSTER.bootstrapServers())
                                        .setTopics("offsets")
                                        .setGroupId(group)
                                        .setStartingOffsets(start)
                                        .setExpectedSampleShape(1, 28, 28)
                                        .setClasses(10)
                                        .setBounded(true)
                                        .build(),
                                WatermarkStrategy.noWatermarks(),
                                "offsets " + start)
                        .collectAsync()) {
            JobClient job = env.executeAsync("starting offsets " + start);
            it.forEachRemaining(r -> offsets.add(r.offset()));
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        }
        offsets.sort(null);
        return offsets;
    }

    @Test
    void producerCyclesPartitionsWithoutAKeyAndUsesOnePartitionWithOne() {
        CLUSTER.createTopic("spread", 3);
        CLUSTER.createTopic("keyed", 3);

        assertThat(DatasetProducer.produce(settings("spread", 30, 1, DType.UINT8, null)))
                .isEqualTo(30);
        assertThat(DatasetProducer.produce(settings("keyed", 12, 4, DType.UINT8, "run-7")))
                .isEqualTo(3);

        assertThat(endOffsets("spread")).containsExactly(10L, 10L, 10L);
        assertThat(endOffsets("keyed")).containsExactlyInAnyOrder(0L, 0L, 3L);
    }

    @Test
    void producerHoldsTheRateAndReportsProgress() {
        CLUSTER.createTopic("paced", 1);
        List<Progress> reports = new ArrayList<>();

        long records =
                DatasetProducer.produce(
                        settings("paced", 100, 5, DType.UINT8, null).toBuilder()
                                .setRate(400)
                                .build(),
                        reports::add);

        assertThat(records).isEqualTo(20);
        Progress last = reports.get(reports.size() - 1);
        assertThat(last.isDone()).isTrue();
        assertThat(last.recordsSent()).isEqualTo(20);
        assertThat(last.samplesSent()).isEqualTo(100);
        // 100 samples at 400/s: the last one is due at 0.25 s
        assertThat(last.elapsed()).isGreaterThanOrEqualTo(Duration.ofMillis(240));
        assertThat(last.samplesPerSecond()).isLessThan(420);
    }

    private static List<Long> endOffsets(String topic) {
        try (KafkaConsumer<byte[], byte[]> c = CLUSTER.consumer(Map.of())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < c.partitionsFor(topic).size(); p++) {
                tps.add(new TopicPartition(topic, p));
            }
            Map<TopicPartition, Long> ends = c.endOffsets(tps);
            return tps.stream().map(ends::get).toList();
        }
    }

    private static ProducerSettings settings(int limit, int perRecord, DType dtype, String key) {
        return settings(SAMPLES, limit, perRecord, dtype, key);
    }

    private static ProducerSettings settings(
            String topic, int limit, int perRecord, DType dtype, String key) {
        return ProducerSettings.builder()
                .setBootstrapServers(CLUSTER.bootstrapServers())
                .setTopic(topic)
                .setLimit(limit)
                .setSamplesPerRecord(perRecord)
                .setDtype(dtype)
                .setKey(key)
                .build();
    }

    /** One broken record per reason, keyed by the reason's name so the test can match them. */
    private static Map<String, byte[]> malformedRecords() {
        byte[] good =
                SampleBatchCodec.encode(
                        SampleBatch.ofUint8(new int[] {1, 28, 28}, new int[] {4}, new byte[784]));
        Map<String, byte[]> bad = new LinkedHashMap<>();
        bad.put(RejectReason.NULL_VALUE.name(), null);
        bad.put(RejectReason.TOO_SHORT.name(), Arrays.copyOf(good, 9));
        bad.put(RejectReason.BAD_MAGIC.name(), "{\"pixels\": []}".getBytes(StandardCharsets.UTF_8));
        bad.put(RejectReason.UNSUPPORTED_VERSION.name(), with(good, 4, 2));
        bad.put(RejectReason.BAD_DTYPE.name(), with(good, 5, 9));
        bad.put(RejectReason.BAD_RESERVED.name(), with(good, 7, 1));
        bad.put(RejectReason.BAD_COUNT.name(), withInt(good, 8, 0));
        bad.put(RejectReason.BAD_SHAPE.name(), withInt(good, 17, 0));
        bad.put(
                RejectReason.SHAPE_MISMATCH.name(),
                SampleBatchCodec.encode(
                        SampleBatch.ofUint8(new int[] {1, 28, 27}, new int[] {4}, new byte[756])));
        bad.put(RejectReason.LENGTH_MISMATCH.name(), Arrays.copyOf(good, good.length - 1));
        bad.put(RejectReason.LABEL_OUT_OF_RANGE.name(), withInt(good, 25, 10));
        float[] values = new float[784];
        values[5] = Float.NaN;
        bad.put(
                RejectReason.NON_FINITE_VALUE.name(),
                SampleBatchCodec.encode(
                        SampleBatch.ofFloat32(new int[] {1, 28, 28}, new int[] {4}, values)));
        values = new float[784];
        values[783] = 3e38f; // finite, far outside the default range [-256, 256]
        bad.put(
                RejectReason.VALUE_OUT_OF_RANGE.name(),
                SampleBatchCodec.encode(
                        SampleBatch.ofFloat32(new int[] {1, 28, 28}, new int[] {4}, values)));
        assertThat(bad.keySet()).hasSize(RejectReason.recordReasons().size());
        return bad;
    }

    private static byte[] with(byte[] b, int at, int value) {
        byte[] c = b.clone();
        c[at] = (byte) value;
        return c;
    }

    private static byte[] withInt(byte[] b, int at, int value) {
        byte[] c = b.clone();
        ByteBuffer.wrap(c).putInt(at, value);
        return c;
    }

    private static void sendRaw(Map<String, byte[]> records) {
        List<ProducerRecord<byte[], byte[]>> out = new ArrayList<>();
        records.forEach(
                (key, value) ->
                        out.add(
                                new ProducerRecord<>(
                                        SAMPLES, key.getBytes(StandardCharsets.UTF_8), value)));
        CLUSTER.send(out);
    }

    /** TrainingSource → router → dead letters to Kafka; returns the accepted batches. */
    private static List<SampleBatch> runPipeline() throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Configuration noKryo = new Configuration();
        noKryo.set(PipelineOptions.GENERIC_TYPES, false); // a Kryo fallback fails the job
        env.configure(noKryo);
        env.setParallelism(2);
        // the dead-letter sink is exactly-once: its transactions commit on checkpoints, the last
        // one when the bounded input ends
        env.enableCheckpointing(500);

        SingleOutputStreamOperator<IngestedRecord> batches =
                env.fromSource(
                                TrainingSource.builder()
                                        .setBootstrapServers(CLUSTER.bootstrapServers())
                                        .setTopics(SAMPLES)
                                        .setGroupId("ingest-it")
                                        .setStartingOffsets(TrainingSource.StartingOffsets.EARLIEST)
                                        .setExpectedSampleShape(1, 28, 28)
                                        .setClasses(10)
                                        .setBounded(true)
                                        .setProperties(RecordingInterceptor.properties("source"))
                                        .build(),
                                WatermarkStrategy.noWatermarks(),
                                "training records")
                        .process(new DeadLetterRouter())
                        .name("split accepted / rejected");
        batches.getSideOutput(DeadLetterRouter.DEAD_LETTERS)
                .sinkTo(
                        DeadLetterSink.builder()
                                .setBootstrapServers(CLUSTER.bootstrapServers())
                                .setTopic(DEAD_LETTERS)
                                .setTransactionalIdPrefix("ingest-it")
                                .setProperties(RecordingInterceptor.properties("dead-letters"))
                                .build())
                .name("dead letters");

        List<SampleBatch> accepted = new ArrayList<>();
        try (CloseableIterator<IngestedRecord> it = batches.collectAsync()) {
            JobClient job = env.executeAsync("ingest ITCase");
            it.forEachRemaining(r -> accepted.add(r.batch()));
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        }
        return accepted;
    }

    /** The committed records of the dead-letter topic, by original key. */
    private static Map<String, ConsumerRecord<byte[], byte[]>> readDeadLetters(int expected) {
        List<ConsumerRecord<byte[], byte[]>> all = CLUSTER.readCommitted(DEAD_LETTERS, expected);
        assertThat(all).as("dead letters on the topic").hasSize(expected);
        Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : all) {
            byKey.put(new String(r.key(), StandardCharsets.UTF_8), r);
        }
        return byKey;
    }

    private static int[] labelCounts(List<SampleBatch> batches) {
        int[] counts = new int[10];
        for (SampleBatch b : batches) {
            for (int l : b.labels()) {
                counts[l]++;
            }
        }
        return counts;
    }

    /**
     * Every accepted sample, uint8 or float32, turned back into bytes is one of the first train
     * images, with that image's label: payloads and labels arrive intact and stay paired.
     */
    private static void assertSamplesAreTrainImagesWithTheirLabels(List<SampleBatch> batches) {
        LabelledImages train = Datasets.FASHION_MNIST.load(Datasets.Split.TRAIN);
        Map<ByteBuffer, Set<Integer>> labelsOf = new HashMap<>();
        for (int i = 0; i < BATCHED_SAMPLES; i++) {
            labelsOf.computeIfAbsent(ByteBuffer.wrap(train.imageBytes(i)), k -> new HashSet<>())
                    .add(train.labels()[i]);
        }
        float[] x = new float[784];
        byte[] pixels = new byte[784];
        for (SampleBatch b : batches) {
            for (int i = 0; i < b.count(); i++) {
                b.writeFeatures(i, x, 0);
                for (int k = 0; k < x.length; k++) {
                    pixels[k] = (byte) Math.round(x[k] * 255f);
                }
                assertThat(labelsOf.get(ByteBuffer.wrap(pixels)))
                        .as("labels of an accepted %s sample", b.dtype())
                        .contains(b.label(i));
            }
        }
    }

    /** Both producer runs start at the head of the train split. */
    private static int[] expectedLabelCounts() {
        LabelledImages train = Datasets.FASHION_MNIST.load(Datasets.Split.TRAIN);
        int[] counts = new int[10];
        for (int i = 0; i < SINGLE_SAMPLES; i++) {
            counts[train.labels()[i]]++;
        }
        for (int i = 0; i < BATCHED_SAMPLES; i++) {
            counts[train.labels()[i]]++;
        }
        return counts;
    }
}
