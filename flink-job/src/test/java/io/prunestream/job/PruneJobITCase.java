package io.prunestream.job;

import static io.prunestream.testing.KafkaFlinkCluster.header;
import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.data.Datasets;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.store.ModelStore;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.KafkaFlinkCluster;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole job against a real Kafka broker: N good samples and K malformed records in; every run
 * reaches FINETUNE and publishes a physically smaller model (r50c: a ResNet-8 with coupled groups,
 * its residual stream pruned too); the dead-letter topic holds exactly the K bad records with their
 * reasons; every sample is either trained on or rejected.
 */
class PruneJobITCase {
    private static final int N = 1200;
    private static final String TOPIC = "samples";
    private static final String DLQ = "dead-letters";
    private static final String HELD_OUT = "held-out";

    @RegisterExtension static final KafkaFlinkCluster CLUSTER = KafkaFlinkCluster.builder().build();

    @TempDir static Path tmp;

    @BeforeAll
    static void createTopics() {
        CLUSTER.createTopic(TOPIC, 2);
        CLUSTER.createTopic(DLQ, 1);
        CLUSTER.createTopic(HELD_OUT, 1);
    }

    /** Malformed records, one per kind of defect. */
    static List<byte[]> malformed() {
        List<byte[]> bad = new ArrayList<>();
        bad.add("not a record".getBytes(StandardCharsets.UTF_8)); // bad magic
        bad.add(new byte[] {'P', 'S', 'R', 'C', 1}); // too short
        ByteBuffer label = uint8Header(1, 1, 28, 28);
        label.putInt(42); // label out of range for 10 classes
        label.put(new byte[28 * 28]);
        bad.add(label.array());
        ByteBuffer shape = uint8Header(1, 1, 5, 5); // wrong sample shape
        shape.putInt(3);
        shape.put(new byte[25]);
        bad.add(shape.array());
        return bad;
    }

    /** A v1 uint8 header for {@code count} samples of 1 x h x w, sized for labels + pixels. */
    static ByteBuffer uint8Header(int count, int c, int h, int w) {
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
                FashionMnistTopic.fill(
                        CLUSTER.bootstrapServers(), TOPIC, Datasets.Split.TRAIN, N, 1);
        assertThat(produced).isEqualTo(N);
        FashionMnistTopic.fill(CLUSTER.bootstrapServers(), HELD_OUT, Datasets.Split.TEST, 300, 50);
        List<byte[]> bad = malformed();
        CLUSTER.send(bad.stream().map(b -> new ProducerRecord<byte[], byte[]>(TOPIC, b)).toList());

        Configuration conf =
                JobConfig.fromYaml(
                        """
                        kafka.bounded: true
                        prune.runs: r50;r90;r50c
                        prune.run.r90.ratios: 0.9
                        prune.run.r50c.model: resnet
                        prune.run.r50c.model.depth: 8
                        prune.run.r50c.model.width: 0.25
                        prune.run.r50c.groups: coupled
                        prune.batch-size: 32
                        prune.warmup: 6
                        prune.penalty.delta: 0.2
                        prune.penalty.stabilize: 6
                        prune.eval.interval: 10
                        prune.publish.interval: 10
                        eval.samples: 300
                        prune.metrics.port: 0
                        prune.checkpoint.interval: 2 s
                        """);
        conf.setString("kafka.bootstrap-servers", CLUSTER.bootstrapServers());
        conf.setString("kafka.topic", TOPIC);
        conf.setString("kafka.dead-letter-topic", DLQ);
        conf.setString("eval.topic", HELD_OUT);
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

        List<ConsumerRecord<byte[], byte[]>> dead = CLUSTER.readCommitted(DLQ, bad.size());
        assertThat(dead).hasSize(bad.size());
        assertThat(dead)
                .extracting(r -> header(r, "prunestream.reason"))
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

        // coupled: the stream's 4 channels (stem, every block's conv2 and add) are one group, and
        // the option-A shortcuts tie stage 2's 8 and stage 3's 16 channels to them
        assertThat(trained.get("r50c")).isEqualTo(N);
        assertThat(phases.get("r50c")).contains(Phase.PRUNE, Phase.FINETUNE);
        ModelVersion r50c = lastOf(published, "r50c");
        assertThat(r50c.widths())
                .containsEntry("stem_conv", 2L)
                .containsEntry("s1b0_conv1", 2L)
                .containsEntry("s1b0_conv2", 2L)
                .containsEntry("s2b0_conv2", 4L)
                .containsEntry("s3b0_conv2", 8L);
        assertThat(r50c.params()).isLessThan(r50c.baseParams());
        assertThat(ModelStore.load(Path.of(r50c.path())).network().numParams())
                .isLessThan(r50c.baseParams());
    }

    private static ModelVersion lastOf(List<ModelVersion> vs, String run) {
        return vs.stream().filter(v -> v.runId().equals(run) && v.last()).findFirst().orElseThrow();
    }
}
