package io.prunestream.connectors.kafka;

import static io.prunestream.connectors.kafka.DeadLetterSerializer.HEADER_DETAIL;
import static io.prunestream.connectors.kafka.DeadLetterSerializer.HEADER_REASON;
import static io.prunestream.connectors.kafka.DeadLetterSerializer.HEADER_SOURCE_OFFSET;
import static io.prunestream.connectors.kafka.DeadLetterSerializer.HEADER_SOURCE_PARTITION;
import static io.prunestream.connectors.kafka.DeadLetterSerializer.HEADER_SOURCE_TOPIC;
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
import io.prunestream.testing.LocalKafkaBroker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

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

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @TempDir static Path work;

    private static LocalKafkaBroker kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = LocalKafkaBroker.start(work);
        kafka.createTopic(SAMPLES, 2);
        kafka.createTopic(DEAD_LETTERS, 1);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
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
        assertThat(RecordingInterceptor.records("source")).isEqualTo(producedRecords);
        assertThat(RecordingInterceptor.records("dead-letters")).isEqualTo(bad.size());
        // ... and the held-out reader's consumer, which skips the invalid records
        List<SampleBatch> heldOut =
                HeldOutTopic.read(
                        kafka.bootstrapServers(),
                        SAMPLES,
                        new RecordValidator(new int[] {1, 28, 28}, 10),
                        Integer.MAX_VALUE,
                        RecordingInterceptor.properties("held-out"));
        assertThat(RecordingInterceptor.records("held-out")).isEqualTo(producedRecords);
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
        kafka.createTopic("offsets", 1);
        assertThat(DatasetProducer.produce(settings("offsets", 10, 1, DType.UINT8, null)))
                .isEqualTo(10);
        TopicPartition tp = new TopicPartition("offsets", 0);
        Map<String, Object> config = new HashMap<>(consumerConfig());
        config.put(ConsumerConfig.GROUP_ID_CONFIG, "committed-at-4");
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config)) {
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
                                        .setBootstrapServers(kafka.bootstrapServers())
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
        kafka.createTopic("spread", 3);
        kafka.createTopic("keyed", 3);

        assertThat(DatasetProducer.produce(settings("spread", 30, 1, DType.UINT8, null)))
                .isEqualTo(30);
        assertThat(DatasetProducer.produce(settings("keyed", 12, 4, DType.UINT8, "run-7")))
                .isEqualTo(3);

        assertThat(endOffsets("spread")).containsExactly(10L, 10L, 10L);
        assertThat(endOffsets("keyed")).containsExactlyInAnyOrder(0L, 0L, 3L);
    }

    @Test
    void producerHoldsTheRateAndReportsProgress() {
        kafka.createTopic("paced", 1);
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
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(consumerConfig())) {
            List<TopicPartition> tps = new ArrayList<>();
            for (int p = 0; p < c.partitionsFor(topic).size(); p++) {
                tps.add(new TopicPartition(topic, p));
            }
            Map<TopicPartition, Long> ends = c.endOffsets(tps);
            return tps.stream().map(ends::get).toList();
        }
    }

    private static Map<String, Object> consumerConfig() {
        return Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
    }

    private static ProducerSettings settings(int limit, int perRecord, DType dtype, String key) {
        return settings(SAMPLES, limit, perRecord, dtype, key);
    }

    private static ProducerSettings settings(
            String topic, int limit, int perRecord, DType dtype, String key) {
        return ProducerSettings.builder()
                .setBootstrapServers(kafka.bootstrapServers())
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

    private static void sendRaw(Map<String, byte[]> records) throws Exception {
        Map<String, Object> config =
                Map.of(
                        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
                        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
                        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(config)) {
            for (Map.Entry<String, byte[]> e : records.entrySet()) {
                p.send(
                                new ProducerRecord<>(
                                        SAMPLES,
                                        e.getKey().getBytes(StandardCharsets.UTF_8),
                                        e.getValue()))
                        .get(30, TimeUnit.SECONDS);
            }
        }
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

        SingleOutputStreamOperator<SampleBatch> batches =
                env.fromSource(
                                TrainingSource.builder()
                                        .setBootstrapServers(kafka.bootstrapServers())
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
                                .setBootstrapServers(kafka.bootstrapServers())
                                .setTopic(DEAD_LETTERS)
                                .setTransactionalIdPrefix("ingest-it")
                                .setProperties(RecordingInterceptor.properties("dead-letters"))
                                .build())
                .name("dead letters");

        List<SampleBatch> accepted = new ArrayList<>();
        try (CloseableIterator<SampleBatch> it = batches.collectAsync()) {
            JobClient job = env.executeAsync("ingest ITCase");
            it.forEachRemaining(accepted::add);
            job.getJobExecutionResult().get(60, TimeUnit.SECONDS);
        }
        return accepted;
    }

    /**
     * Reads the dead-letter topic, committed transactions only, until {@code expected} records
     * arrived, by original key.
     */
    private static Map<String, ConsumerRecord<byte[], byte[]>> readDeadLetters(int expected) {
        Map<String, Object> config =
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                        ByteArrayDeserializer.class,
                        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                        ByteArrayDeserializer.class);
        Map<String, ConsumerRecord<byte[], byte[]>> byKey = new HashMap<>();
        int total = 0;
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config)) {
            TopicPartition tp = new TopicPartition(DEAD_LETTERS, 0);
            c.assign(List.of(tp));
            c.seekToBeginning(List.of(tp));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            // read to the end (transaction markers take offsets too), so an extra record would
            // show up as well
            while (System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> r : c.poll(Duration.ofMillis(500))) {
                    byKey.put(new String(r.key(), StandardCharsets.UTF_8), r);
                    total++;
                }
                if (total >= expected && c.endOffsets(List.of(tp)).get(tp) <= c.position(tp)) {
                    break;
                }
            }
        }
        assertThat(total).as("dead letters on the topic").isEqualTo(expected);
        return byKey;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
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
