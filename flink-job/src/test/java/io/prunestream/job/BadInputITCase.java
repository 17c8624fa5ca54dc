package io.prunestream.job;

import static io.prunestream.testing.KafkaFlinkCluster.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.connectors.record.RejectReason;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.connectors.record.SampleBatchCodec;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.store.ModelStore;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.KafkaFlinkCluster;
import io.prunestream.testing.RecordingInterceptor;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Metric;
import org.apache.flink.runtime.testutils.InMemoryReporter;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Bad input never stops the job: over 10 000 malformed records of 20 kinds (a 5 MB record, one just
 * under the dead-letter producer's limit before its headers, a 2 MB key, NaN, ±Inf, 3e38, empty and
 * null values, wrong shapes and versions, overflowing counts and dims, ...) mixed into a stream of
 * good samples, on a real broker and a Flink mini cluster whose restart strategy would restart a
 * failing job. Checks: no restart; exactly one dead letter per malformed record, with its reason
 * (read_committed); every good sample trained once; the final model finite.
 */
class BadInputITCase {
    private static final String TOPIC = "samples";
    private static final String DLQ = "dead-letters";
    private static final int GOOD_SAMPLES = 768; // 24 steps of 32
    private static final int SAMPLES_PER_RECORD = 4;
    private static final int MALFORMED = 10_000;
    private static final String INTERCEPTOR_TAG = "bad-input-job";

    private static final InMemoryReporter REPORTER = InMemoryReporter.createWithRetainedMetrics();

    @RegisterExtension
    static final KafkaFlinkCluster CLUSTER =
            KafkaFlinkCluster.builder()
                    .flinkConfiguration(REPORTER.addToConfiguration(restartStrategy()))
                    .build();

    @TempDir static Path tmp;

    /** A failing task would be restarted (twice), so a restart would show in numRestarts. */
    private static Configuration restartStrategy() {
        Configuration c = new Configuration();
        c.setString("restart-strategy.type", "fixed-delay");
        c.setString("restart-strategy.fixed-delay.attempts", "2");
        c.setString("restart-strategy.fixed-delay.delay", "200 ms");
        return c;
    }

    @BeforeAll
    static void createTopics() {
        // the source topic takes records up to 8 MB, the dead-letter topic Kafka's default 1 MB
        CLUSTER.createTopic(TOPIC, 2, Map.of("max.message.bytes", "8388608"));
        CLUSTER.createTopic(DLQ, 1);
    }

    /** A record to send, and the reason the job must give when it is malformed. */
    record Input(String kind, byte[] key, byte[] value, RejectReason expected) {}

    @Test
    void malformedRecordsGoToTheDeadLetterTopicAndTrainingGoesOn() throws Exception {
        Random random = new Random(8);
        List<Input> good = goodRecords();
        List<Input> bad = malformed(random);
        List<Input> all = new ArrayList<>(good);
        all.addAll(bad);
        Collections.shuffle(all, random);
        Map<String, RejectReason> expected = send(all); // "partition@offset" -> reason
        assertThat(expected).hasSize(bad.size());
        assertThat(bad.stream().map(Input::kind).distinct().count()).isGreaterThanOrEqualTo(15);
        RecordingInterceptor.reset(INTERCEPTOR_TAG);

        Configuration conf =
                JobConfig.fromYaml(
                        """
                        kafka.bounded: true
                        prune.runs: r50
                        prune.batch-size: 32
                        prune.warmup: 6
                        prune.penalty.delta: 0.2
                        prune.penalty.stabilize: 4
                        prune.eval.interval: 0
                        prune.publish.interval: 100
                        eval.dataset: none
                        prune.metrics.port: 0
                        prune.checkpoint.interval: 1 s
                        """);
        conf.setString("kafka.bootstrap-servers", CLUSTER.bootstrapServers());
        conf.setString("kafka.topic", TOPIC);
        conf.setString("kafka.dead-letter-topic", DLQ);
        conf.setString("output.dir", tmp.resolve("models").toString());
        RecordingInterceptor.properties(INTERCEPTOR_TAG)
                .forEach((k, v) -> conf.setString("kafka.properties." + k, v));
        conf.addAll(restartStrategy());

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        PruneJob.Streams s = PruneJob.build(env, conf, false);
        List<TrainingEvent> events = new ArrayList<>();
        List<ModelVersion> versions = new ArrayList<>();
        JobClient job;
        try (CloseableIterator<TrainingEvent> e = s.events().collectAsync();
                CloseableIterator<ModelVersion> v = s.versions().collectAsync()) {
            job = env.executeAsync("bad-input-itcase");
            e.forEachRemaining(events::add);
            v.forEachRemaining(versions::add);
            job.getJobExecutionResult().get(120, TimeUnit.SECONDS);
        }

        // no restart: the strategy above would have restarted a failing task
        Map<String, Metric> restarts = REPORTER.findMetrics(job.getJobID(), "numRestarts");
        assertThat(restarts).as("numRestarts gauges of the job").isNotEmpty();
        for (Metric m : restarts.values()) {
            assertThat(((Gauge<?>) m).getValue()).isEqualTo(0L);
        }
        // the source read every record, and each malformed one reached the dead-letter producer
        assertThat(RecordingInterceptor.consumed(INTERCEPTOR_TAG)).isEqualTo(all.size());
        assertThat(RecordingInterceptor.sent(INTERCEPTOR_TAG)).isEqualTo(bad.size());

        // exactly one committed dead letter per malformed record, with its reason
        List<ConsumerRecord<byte[], byte[]>> dead = CLUSTER.readCommitted(DLQ, bad.size());
        Map<String, RejectReason> got = new HashMap<>();
        for (ConsumerRecord<byte[], byte[]> r : dead) {
            String at =
                    header(r, "prunestream.source.partition")
                            + "@"
                            + header(r, "prunestream.source.offset");
            assertThat(got.put(at, RejectReason.valueOf(header(r, "prunestream.reason"))))
                    .as("second dead letter for %s", at)
                    .isNull();
        }
        assertThat(dead).hasSize(bad.size());
        List<String> wrong = new ArrayList<>();
        expected.forEach(
                (at, reason) -> {
                    if (got.get(at) != reason) {
                        wrong.add(at + ": expected " + reason + ", got " + got.get(at));
                    }
                });
        assertThat(wrong).as("dead letters with a wrong or no reason").isEmpty();
        assertThat(got.keySet()).isEqualTo(expected.keySet());
        // the oversized ones were cut to fit and say how large they were: the 5 MB value and
        // the one just under 1 MiB lost bytes, the 2 MB key was cut to 1 KiB
        List<ConsumerRecord<byte[], byte[]>> cut =
                dead.stream()
                        .filter(r -> "true".equals(header(r, "prunestream.truncated")))
                        .toList();
        assertThat(cut).hasSize(3);
        assertThat(cut)
                .filteredOn(
                        r ->
                                Long.parseLong(header(r, "prunestream.original.size"))
                                        > r.value().length)
                .extracting(r -> Long.parseLong(header(r, "prunestream.original.size")))
                .containsExactlyInAnyOrder(5L * 1024 * 1024 + 29, 1024L * 1024 - 200);
        assertThat(dead)
                .filteredOn(r -> header(r, "prunestream.original.key.size") != null)
                .singleElement()
                .satisfies(r -> assertThat(r.key()).hasSize(1024));

        // every good sample trained exactly once
        assertThat(events.stream().mapToLong(TrainingEvent::samples).sum()).isEqualTo(GOOD_SAMPLES);
        // the final model's parameters are finite
        ModelVersion last =
                versions.stream().filter(ModelVersion::last).reduce((a, b) -> b).orElseThrow();
        INDArray params = ModelStore.load(Path.of(last.path())).network().params();
        float[] values = params.dup().data().asFloat();
        assertThat(values).isNotEmpty();
        for (float f : values) {
            assertThat(Float.isFinite(f)).as("parameter %s is finite", f).isTrue();
        }
        System.out.printf(
                "bad input: %d malformed of %d kinds, %d good samples; %d dead letters (%d cut),"
                        + " %d samples trained, no restart%n",
                bad.size(),
                bad.stream().map(Input::kind).distinct().count(),
                GOOD_SAMPLES,
                dead.size(),
                cut.size(),
                events.stream().mapToLong(TrainingEvent::samples).sum());
    }

    /** Fashion-MNIST train images, 4 per record, uint8 and float32 (pixels / 255) in turn. */
    private static List<Input> goodRecords() {
        LabelledImages train = Datasets.FASHION_MNIST.load(Datasets.Split.TRAIN);
        List<Input> out = new ArrayList<>();
        for (int first = 0; first < GOOD_SAMPLES; first += SAMPLES_PER_RECORD) {
            int[] labels = new int[SAMPLES_PER_RECORD];
            byte[] pixels = new byte[SAMPLES_PER_RECORD * 784];
            for (int i = 0; i < SAMPLES_PER_RECORD; i++) {
                labels[i] = train.labels()[first + i];
                System.arraycopy(train.imageBytes(first + i), 0, pixels, i * 784, 784);
            }
            SampleBatch b;
            if ((first / SAMPLES_PER_RECORD) % 2 == 0) {
                b = SampleBatch.ofUint8(new int[] {1, 28, 28}, labels, pixels);
            } else {
                float[] f = new float[pixels.length];
                for (int k = 0; k < f.length; k++) {
                    f[k] = (pixels[k] & 0xff) / 255f;
                }
                b = SampleBatch.ofFloat32(new int[] {1, 28, 28}, labels, f);
            }
            out.add(new Input("good", null, SampleBatchCodec.encode(b), null));
        }
        return out;
    }

    /** Three large records once, then cheap kinds in turn up to {@link #MALFORMED}. */
    private static List<Input> malformed(Random r) {
        List<Input> out = new ArrayList<>();
        byte[] fiveMb = new byte[5 * 1024 * 1024];
        r.nextBytes(fiveMb);
        out.add(
                new Input(
                        "5 MB",
                        null,
                        concat(uint8Header(1, 1, 28, 28), fiveMb),
                        RejectReason.LENGTH_MISMATCH));
        // fits the dead-letter producer's 1 MiB alone, not with the dead-letter headers
        byte[] under = new byte[1024 * 1024 - 200];
        r.nextBytes(under);
        System.arraycopy(uint8Header(1, 1, 28, 28), 0, under, 0, 25);
        out.add(new Input("just under 1 MiB", new byte[] {7}, under, RejectReason.LENGTH_MISMATCH));
        byte[] hugeKey = new byte[2 * 1024 * 1024];
        r.nextBytes(hugeKey);
        out.add(new Input("2 MB key", hugeKey, utf8("{\"x\": 1}"), RejectReason.BAD_MAGIC));

        List<Kind> kinds = cheapKinds();
        for (int i = 0; out.size() < MALFORMED + 3; i++) {
            Kind k = kinds.get(i % kinds.size());
            out.add(new Input(k.name, utf8("bad-" + i), k.make(r), k.reason));
        }
        return out;
    }

    private record Kind(
            String name, RejectReason reason, java.util.function.Function<Random, byte[]> f) {
        byte[] make(Random r) {
            return f.apply(r);
        }
    }

    private static List<Kind> cheapKinds() {
        return List.of(
                new Kind("null value", RejectReason.NULL_VALUE, r -> null),
                new Kind("empty value", RejectReason.TOO_SHORT, r -> new byte[0]),
                new Kind(
                        "json",
                        RejectReason.BAD_MAGIC,
                        r -> utf8("{\"pixels\": [" + r.nextInt() + "]}")),
                new Kind("random bytes", RejectReason.BAD_MAGIC, r -> randomBytes(r, 'X')),
                new Kind(
                        "header only",
                        RejectReason.TOO_SHORT,
                        r -> Arrays.copyOf(uint8Header(1, 1, 28, 28), 14)),
                new Kind("version 2", RejectReason.UNSUPPORTED_VERSION, r -> with(good(r), 4, 2)),
                new Kind("version 0", RejectReason.UNSUPPORTED_VERSION, r -> with(good(r), 4, 0)),
                new Kind("dtype 7", RejectReason.BAD_DTYPE, r -> with(good(r), 5, 7)),
                new Kind("reserved", RejectReason.BAD_RESERVED, r -> with(good(r), 6, 1)),
                new Kind("count 0", RejectReason.BAD_COUNT, r -> withInt(good(r), 8, 0)),
                new Kind(
                        "count max int",
                        RejectReason.BAD_COUNT,
                        r -> withInt(good(r), 8, Integer.MAX_VALUE)),
                new Kind(
                        "count negative",
                        RejectReason.BAD_COUNT,
                        r -> withInt(good(r), 8, -1 - r.nextInt(1000))),
                new Kind("rank 0", RejectReason.BAD_SHAPE, r -> with(good(r), 12, 0)),
                new Kind("rank 5", RejectReason.BAD_SHAPE, r -> with(good(r), 12, 5)),
                new Kind("negative dim", RejectReason.BAD_SHAPE, r -> withInt(good(r), 17, -28)),
                new Kind(
                        "dims overflow",
                        RejectReason.BAD_SHAPE,
                        r -> withInt(withInt(good(r), 17, 1 << 20), 21, 1 << 20)),
                new Kind(
                        "shape 1x5x5",
                        RejectReason.SHAPE_MISMATCH,
                        r -> encode(new int[] {1, 5, 5}, 3, new float[25])),
                new Kind(
                        "shape 3x28x28",
                        RejectReason.SHAPE_MISMATCH,
                        r -> encode(new int[] {3, 28, 28}, 3, new float[3 * 784])),
                new Kind(
                        "truncated",
                        RejectReason.LENGTH_MISMATCH,
                        r -> Arrays.copyOf(good(r), 813 - 1 - r.nextInt(700))),
                new Kind(
                        "trailing bytes",
                        RejectReason.LENGTH_MISMATCH,
                        r -> Arrays.copyOf(good(r), 813 + 1 + r.nextInt(8))),
                new Kind(
                        "label 10",
                        RejectReason.LABEL_OUT_OF_RANGE,
                        r -> withInt(good(r), 25, 10 + r.nextInt(100))),
                new Kind(
                        "label negative",
                        RejectReason.LABEL_OUT_OF_RANGE,
                        r -> withInt(good(r), 25, Integer.MIN_VALUE)),
                new Kind("NaN", RejectReason.NON_FINITE_VALUE, r -> floats(r, Float.NaN)),
                new Kind(
                        "+Inf",
                        RejectReason.NON_FINITE_VALUE,
                        r -> floats(r, Float.POSITIVE_INFINITY)),
                new Kind(
                        "-Inf",
                        RejectReason.NON_FINITE_VALUE,
                        r -> floats(r, Float.NEGATIVE_INFINITY)),
                new Kind("3e38", RejectReason.VALUE_OUT_OF_RANGE, r -> floats(r, 3e38f)),
                new Kind("-1e6", RejectReason.VALUE_OUT_OF_RANGE, r -> floats(r, -1e6f)),
                new Kind(
                        "one bad label in a batch",
                        RejectReason.LABEL_OUT_OF_RANGE,
                        r -> batchWithOneBadLabel(r)));
    }

    /** A valid one-sample uint8 record of 813 bytes. */
    private static byte[] good(Random r) {
        byte[] pixels = new byte[784];
        r.nextBytes(pixels);
        return SampleBatchCodec.encode(
                SampleBatch.ofUint8(new int[] {1, 28, 28}, new int[] {r.nextInt(10)}, pixels));
    }

    /** A valid-looking float32 sample with {@code bad} at a random place. */
    private static byte[] floats(Random r, float bad) {
        float[] f = new float[784];
        for (int i = 0; i < f.length; i++) {
            f[i] = r.nextFloat();
        }
        f[r.nextInt(f.length)] = bad;
        return encode(new int[] {1, 28, 28}, r.nextInt(10), f);
    }

    private static byte[] batchWithOneBadLabel(Random r) {
        int[] labels = {1, 2, 3, 4, 5};
        labels[r.nextInt(5)] = 10;
        return SampleBatchCodec.encode(
                SampleBatch.ofUint8(new int[] {1, 28, 28}, labels, new byte[5 * 784]));
    }

    private static byte[] encode(int[] shape, int label, float[] values) {
        ByteBuffer b = ByteBuffer.allocate(13 + 4 * shape.length + 4 + 4 * values.length);
        b.put(new byte[] {'P', 'S', 'R', 'C', 1, 1, 0, 0}).putInt(1).put((byte) shape.length);
        for (int d : shape) {
            b.putInt(d);
        }
        b.putInt(label);
        for (float v : values) {
            b.putFloat(v);
        }
        return b.array();
    }

    /** A v1 uint8 header for {@code count} samples of c x h x w, with label 0: 25 + 4 bytes. */
    private static byte[] uint8Header(int count, int c, int h, int w) {
        ByteBuffer b = ByteBuffer.allocate(13 + 12 + 4 * count);
        b.put(new byte[] {'P', 'S', 'R', 'C', 1, 0, 0, 0}).putInt(count).put((byte) 3);
        b.putInt(c).putInt(h).putInt(w);
        return b.array();
    }

    private static byte[] randomBytes(Random r, char first) {
        byte[] b = new byte[4 + r.nextInt(200)]; // under 4 bytes would be TOO_SHORT
        r.nextBytes(b);
        b[0] = (byte) first;
        return b;
    }

    private static byte[] with(byte[] b, int at, int value) {
        b[at] = (byte) value;
        return b;
    }

    private static byte[] withInt(byte[] b, int at, int value) {
        ByteBuffer.wrap(b).putInt(at, value);
        return b;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] c = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, c, a.length, b.length);
        return c;
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    /** Sends in order, alternating partitions; returns where each malformed record landed. */
    private static Map<String, RejectReason> send(List<Input> inputs) {
        List<ProducerRecord<byte[], byte[]>> records = new ArrayList<>();
        for (int i = 0; i < inputs.size(); i++) {
            Input in = inputs.get(i);
            records.add(new ProducerRecord<>(TOPIC, i % 2, in.key(), in.value()));
        }
        List<RecordMetadata> sent =
                CLUSTER.send(
                        records,
                        Map.of(
                                ProducerConfig.MAX_REQUEST_SIZE_CONFIG, "8388608",
                                ProducerConfig.LINGER_MS_CONFIG, "5"));
        Map<String, RejectReason> where = new HashMap<>();
        Map<RejectReason, Integer> perReason = new EnumMap<>(RejectReason.class);
        for (int i = 0; i < inputs.size(); i++) {
            RecordMetadata m = sent.get(i);
            RejectReason reason = inputs.get(i).expected();
            if (reason != null) {
                where.put(m.partition() + "@" + m.offset(), reason);
                perReason.merge(reason, 1, Integer::sum);
            }
        }
        assertThat(perReason.keySet())
                .containsExactlyInAnyOrderElementsOf(RejectReason.recordReasons());
        return where;
    }
}
