package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.connectors.producer.DatasetProducer;
import io.prunestream.connectors.producer.ProducerSettings;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.connectors.record.SampleBatchCodec;
import io.prunestream.core.data.CsvFile;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.schedule.Phase;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.KafkaFlinkCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feature vectors end to end: a synthetic tabular data set (32 features, 4 classes by a noisy
 * linear rule) written as CSV, streamed as float32 records of rank 1 by the producer's csv: path,
 * trained and pruned at r = 0.5 by the imported ONNX MLP, evaluated on a held-out CSV file; records
 * of another shape go to the dead-letter topic. The fixture's weights are PyTorch's random
 * initialisation, so the run warms up first (a starting point fitted by the test would test the
 * test's trainer, not the job's); the pruned MLP's held-out accuracy stays within 2 points of the
 * unpruned one.
 */
class TabularMlpITCase {
    private static final String TOPIC = "rows";
    private static final String DLQ = "dead-letters";
    private static final int FEATURES = 32;
    private static final int CLASSES = 4;
    private static final int TRAIN_ROWS = 4096;
    private static final int HELD_OUT_ROWS = 1000;

    @RegisterExtension static final KafkaFlinkCluster CLUSTER = KafkaFlinkCluster.builder().build();

    @TempDir static Path tmp;

    @BeforeAll
    static void createTopics() {
        CLUSTER.createTopic(TOPIC, 2);
        CLUSTER.createTopic(DLQ, 1);
    }

    /**
     * Rows x ~ N(0, 1)^32 labelled argmax(W x + noise), W fixed: learnable, not separable. The
     * training file has a header and its label first; the held-out one neither.
     */
    private static void writeData(Path train, Path heldOut) throws IOException {
        Random r = new Random(17);
        double[][] w = new double[CLASSES][FEATURES];
        for (double[] row : w) {
            for (int j = 0; j < FEATURES; j++) {
                row[j] = r.nextGaussian();
            }
        }
        StringBuilder t = new StringBuilder("label");
        for (int j = 0; j < FEATURES; j++) {
            t.append(",x").append(j);
        }
        t.append('\n');
        StringBuilder h = new StringBuilder();
        for (int i = 0; i < TRAIN_ROWS + HELD_OUT_ROWS; i++) {
            float[] x = new float[FEATURES];
            for (int j = 0; j < FEATURES; j++) {
                x[j] = (float) r.nextGaussian();
            }
            int label = 0;
            double best = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < CLASSES; c++) {
                double score = r.nextGaussian();
                for (int j = 0; j < FEATURES; j++) {
                    score += w[c][j] * x[j];
                }
                if (score > best) {
                    best = score;
                    label = c;
                }
            }
            StringBuilder line = i < TRAIN_ROWS ? t : h;
            List<String> fields = new ArrayList<>();
            for (float v : x) {
                fields.add(String.format(Locale.ROOT, "%.5f", v));
            }
            if (i < TRAIN_ROWS) {
                fields.add(0, Integer.toString(label));
            } else {
                fields.add(Integer.toString(label));
            }
            line.append(String.join(",", fields)).append('\n');
        }
        Files.writeString(train, t);
        Files.writeString(heldOut, h);
    }

    @Test
    void anImportedMlpTrainsAndPrunesOnFeatureVectors() throws Exception {
        Path train = tmp.resolve("train.csv");
        Path heldOut = tmp.resolve("held-out.csv");
        writeData(train, heldOut);
        // what ./prunestream produce --data csv:train.csv --label-column 0 sends
        long records =
                DatasetProducer.produce(
                        ProducerSettings.builder()
                                .setBootstrapServers(CLUSTER.bootstrapServers())
                                .setTopic(TOPIC)
                                .setData(CsvFile.of(train.toString()).withLabelColumn(0))
                                .setSamplesPerRecord(32)
                                .build());
        assertThat(records).isEqualTo(TRAIN_ROWS / 32);
        // records of another shape: an image, and a vector one feature short
        List<byte[]> wrongShape =
                List.of(
                        SampleBatchCodec.encode(
                                SampleBatch.ofUint8(
                                        new int[] {1, 28, 28}, new int[] {1}, new byte[784])),
                        SampleBatchCodec.encode(
                                SampleBatch.ofFloat32(
                                        new int[] {FEATURES - 1},
                                        new int[] {1},
                                        new float[FEATURES - 1])));
        CLUSTER.send(
                wrongShape.stream()
                        .map(b -> new ProducerRecord<byte[], byte[]>(TOPIC, b))
                        .toList());

        Configuration conf =
                JobConfig.fromYaml(
                        """
                        kafka.bounded: true
                        prune.runs: mlp
                        prune.model: %s
                        prune.ratios: net.0=0.5,default=0.5
                        prune.warmup: 80
                        prune.batch-size: 32
                        prune.penalty.delta: 0.5
                        prune.penalty.stabilize: 4
                        prune.eval.interval: 20
                        prune.publish.interval: 0
                        eval.dataset: csv:%s
                        eval.samples: %d
                        prune.metrics.port: 0
                        prune.checkpoint.interval: 2 s
                        """
                                .formatted(ModelFixtures.MLP, heldOut, HELD_OUT_ROWS));
        conf.setString("kafka.bootstrap-servers", CLUSTER.bootstrapServers());
        conf.setString("kafka.topic", TOPIC);
        conf.setString("kafka.dead-letter-topic", DLQ);
        conf.setString("output.dir", tmp.resolve("models").toString());

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        PruneJob.Streams s = PruneJob.build(env, conf, false);
        CloseableIterator<TrainingEvent> events = s.events().collectAsync();
        CloseableIterator<ModelVersion> versions = s.versions().collectAsync();
        env.execute("tabular-mlp-itcase");
        List<TrainingEvent> seen = new ArrayList<>();
        events.forEachRemaining(seen::add);
        List<ModelVersion> published = new ArrayList<>();
        versions.forEachRemaining(published::add);

        assertThat(seen.stream().mapToLong(TrainingEvent::samples).sum()).isEqualTo(TRAIN_ROWS);
        assertThat(CLUSTER.readCommitted(DLQ, wrongShape.size()))
                .extracting(r -> KafkaFlinkCluster.header(r, "prunestream.reason"))
                .containsExactly("SHAPE_MISMATCH", "SHAPE_MISMATCH");
        assertThat(seen)
                .extracting(TrainingEvent::phase)
                .contains(Phase.TRAIN, Phase.PRUNE, Phase.FINETUNE);
        ModelVersion last = published.stream().filter(ModelVersion::last).findFirst().orElseThrow();
        assertThat(last.report().input()).isEqualTo("32");
        double unpruned = last.accuracyBeforePrune();
        double pruned = last.accuracy();
        System.out.printf(
                Locale.ROOT,
                "mlp: base %.3f, before pruning %.3f, pruned and fine-tuned %.3f, params %d -> %d,"
                        + " widths %s%n",
                last.baseAccuracy(),
                unpruned,
                pruned,
                last.baseParams(),
                last.params(),
                last.widths());
        // both hidden layers halved (the one reading the input is named, as a user must)
        assertThat(last.widths()).containsEntry("net.0", 32L).containsEntry("net.4", 16L);
        assertThat(last.params()).isLessThan(last.baseParams());
        // learnt: far above chance (0.25) before pruning
        assertThat(unpruned).isGreaterThan(0.6);
        assertThat(pruned).isGreaterThanOrEqualTo(unpruned - 0.02);
    }
}
