package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.connectors.producer.DatasetProducer;
import io.prunestream.connectors.producer.ProducerSettings;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.store.ModelStore;
import io.prunestream.testing.LocalKafkaBroker;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job against a real Kafka broker: N good samples and K malformed records in; both runs
 * reach FINETUNE and publish physically smaller models; the dead-letter topic holds exactly the K
 * bad records with their reasons; every sample is either trained on or rejected.
 */
class PruneJobITCase {
    private static final int N = 1200;
    private static final String TOPIC = "samples";
    private static final String DLQ = "dead-letters";
    private static final String HELD_OUT = "held-out";

    @RegisterExtension
    static final MiniClusterExtension FLINK =
            new MiniClusterExtension(
                    new MiniClusterResourceConfiguration.Builder()
                            .setNumberTaskManagers(1)
                            .setNumberSlotsPerTaskManager(2)
                            .build());

    @TempDir static Path tmp;
    static LocalKafkaBroker kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = LocalKafkaBroker.start(tmp.resolve("kafka"));
        kafka.createTopic(TOPIC, 2);
        kafka.createTopic(DLQ, 1);
        kafka.createTopic(HELD_OUT, 1);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /** Malformed records, one per kind of defect. */
    static List<byte[]> malformed() {
        List<byte[]> bad = new ArrayList<>();
        bad.add("not a record".getBytes(StandardCharsets.UTF_8)); // bad magic
        bad.add(new byte[] {'P', 'S', 'R', 'C', 1}); // too short
        ByteBuffer label = header(1, 1, 28, 28);
        label.putInt(42); // label out of range for 10 classes
        label.put(new byte[28 * 28]);
        bad.add(label.array());
        ByteBuffer shape = header(1, 1, 5, 5); // wrong sample shape
        shape.putInt(3);
        shape.put(new byte[25]);
        bad.add(shape.array());
        return bad;
    }

    /** A v1 uint8 header for {@code count} samples of 1 x h x w, sized for labels + pixels. */
    static ByteBuffer header(int count, int c, int h, int w) {
        ByteBuffer b = ByteBuffer.allocate(13 + 12 + count * 4 + count * c * h * w);
        b.put(new byte[] {'P', 'S', 'R', 'C', 1, 0, 0, 0});
        b.putInt(count);
        b.put((byte) 3);
        b.putInt(c).putInt(h).putInt(w);
        return b;
    }

    @Test
    void trainsPrunesAndRoutesBadRecords() throws Exception {
        long produced =
                DatasetProducer.produce(
                        ProducerSettings.builder()
                                .setBootstrapServers(kafka.bootstrapServers())
                                .setTopic(TOPIC)
                                .setDataset(Datasets.FASHION_MNIST)
                                .setSplit(Datasets.Split.TRAIN)
                                .setLimit(N)
                                .build());
        assertThat(produced).isEqualTo(N);
        DatasetProducer.produce(
                ProducerSettings.builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .setTopic(HELD_OUT)
                        .setDataset(Datasets.FASHION_MNIST)
                        .setSplit(Datasets.Split.TEST)
                        .setLimit(300)
                        .setSamplesPerRecord(50)
                        .build());
        List<byte[]> bad = malformed();
        try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producerProps())) {
            for (byte[] b : bad) {
                p.send(new ProducerRecord<>(TOPIC, null, b)).get();
            }
        }

        Configuration conf = new Configuration();
        conf.setString("kafka.bootstrap-servers", kafka.bootstrapServers());
        conf.setString("kafka.topic", TOPIC);
        conf.setString("kafka.dead-letter-topic", DLQ);
        conf.setString("kafka.bounded", "true");
        conf.setString("prune.runs", "r50;r90");
        conf.setString("prune.run.r90.ratios", "0.9");
        conf.setString("prune.batch-size", "32");
        conf.setString("prune.warmup", "6");
        conf.setString("prune.penalty.delta", "0.2");
        conf.setString("prune.penalty.stabilize", "6");
        conf.setString("prune.eval.interval", "10");
        conf.setString("prune.publish.interval", "10");
        conf.setString("eval.topic", HELD_OUT);
        conf.setString("eval.samples", "300");
        conf.setString("prune.metrics.port", "0");
        conf.setString("prune.checkpoint.interval", "2 s");
        conf.setString("output.dir", tmp.resolve("models").toString());

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        PruneJob.Streams s = PruneJob.build(env, conf, false);
        CloseableIterator<TrainingEvent> events = s.events().collectAsync();
        CloseableIterator<ModelVersion> versions = s.versions().collectAsync();
        env.execute("prune-job-itcase");

        Map<String, Long> trained = new HashMap<>();
        Map<String, List<Phase>> phases = new HashMap<>();
        events.forEachRemaining(
                e -> {
                    trained.merge(e.runId(), (long) e.samples(), Long::sum);
                    phases.computeIfAbsent(e.runId(), k -> new ArrayList<>()).add(e.phase());
                });
        List<ModelVersion> published = new ArrayList<>();
        versions.forEachRemaining(published::add);

        List<ConsumerRecord<byte[], byte[]>> dead = readAll(DLQ, bad.size());
        assertThat(dead).hasSize(bad.size());
        assertThat(dead)
                .extracting(
                        r ->
                                new String(
                                        r.headers().lastHeader("prunestream.reason").value(),
                                        StandardCharsets.UTF_8))
                .containsExactlyInAnyOrder(
                        "BAD_MAGIC", "TOO_SHORT", "LABEL_OUT_OF_RANGE", "SHAPE_MISMATCH");
        assertThat(dead)
                .extracting(ConsumerRecord::value)
                .usingElementComparator(java.util.Arrays::compare)
                .containsExactlyInAnyOrderElementsOf(bad);

        for (String run : List.of("r50", "r90")) {
            assertThat(trained.get(run)).as("samples trained by %s", run).isEqualTo(N);
            assertThat(trained.get(run) + dead.size()).isEqualTo(produced + bad.size());
            assertThat(phases.get(run)).contains(Phase.REGULARIZE, Phase.PRUNE, Phase.FINETUNE);
            ModelVersion last =
                    published.stream()
                            .filter(v -> v.runId().equals(run) && v.last())
                            .findFirst()
                            .orElseThrow();
            assertThat(last.params()).isLessThan(last.baseParams());
            // evaluated on the held-out topic (300 Fashion-MNIST test images) after only ~38
            // steps, 90 % of filters gone in r90: well above chance (0.1), not yet good
            System.out.printf("%s: held-out accuracy %.3f%n", run, last.accuracy());
            assertThat(last.accuracy()).isGreaterThan(0.2);
            var saved = ModelStore.load(Path.of(last.path()));
            assertThat(saved.network().numParams()).isLessThan(saved.report().baseParams() * 2);
            assertThat(saved.report().params()).isEqualTo(last.params());
        }
        ModelVersion r50 = lastOf(published, "r50");
        ModelVersion r90 = lastOf(published, "r90");
        // conv1 is kept (reads the input); conv2/conv3 at 50% and 90%
        assertThat(r50.widths()).containsEntry("conv2", 16L).containsEntry("conv3", 32L);
        assertThat(r90.widths()).containsEntry("conv2", 3L).containsEntry("conv3", 6L);
        assertThat(r90.params()).isLessThan(r50.params());
    }

    private static ModelVersion lastOf(List<ModelVersion> vs, String run) {
        return vs.stream().filter(v -> v.runId().equals(run) && v.last()).findFirst().orElseThrow();
    }

    private static Properties producerProps() {
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        return p;
    }

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
        p.put(ConsumerConfig.GROUP_ID_CONFIG, "itcase-reader");
        p.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // dead letters are written in transactions: only committed ones count
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                ByteArrayDeserializer.class.getName());
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(p)) {
            c.subscribe(List.of(topic));
            long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
            while (System.nanoTime() < deadline) {
                c.poll(Duration.ofMillis(500)).forEach(out::add);
                if (out.size() >= expected) {
                    // one more poll: more than expected must fail the test
                    c.poll(Duration.ofSeconds(1)).forEach(out::add);
                    break;
                }
            }
        }
        return out;
    }
}
