package io.prunestream.job;

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
import io.prunestream.testing.LocalKafkaBroker;
import io.prunestream.testing.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The numeric guard in the running job: with the value range widened, three mini-batches of finite
 * but huge values (3e38) make their steps non-finite. Each is rolled back and sent to the
 * dead-letter topic as NON_FINITE_STEP; the third in a row lowers the run's learning rate; training
 * goes on, and every published version is finite.
 */
class NumericGuardITCase {
    private static final int BATCH = 32;
    private static final int PER_RECORD = 8;

    @Test
    void nonFiniteStepsAreRolledBackQuarantinedAndAnswered(@TempDir Path tmp) throws Exception {
        try (LocalKafkaBroker kafka = LocalKafkaBroker.start(tmp.resolve("kafka"))) {
            kafka.createTopic("samples", 1);
            kafka.createTopic("dlq", 1);
            LabelledImages images = Datasets.FASHION_MNIST.load(Datasets.Split.TRAIN).head(640);
            List<byte[]> records = new ArrayList<>();
            addGood(records, images, 0, 320); // steps 0-9
            for (int i = 0; i < 3 * BATCH / PER_RECORD; i++) { // steps 10-12
                float[] huge = new float[PER_RECORD * 784];
                java.util.Arrays.fill(huge, 3e38f);
                records.add(
                        SampleBatchCodec.encode(
                                SampleBatch.ofFloat32(
                                        new int[] {1, 28, 28}, new int[PER_RECORD], huge)));
            }
            addGood(records, images, 320, 640); // steps 13-22
            send(kafka.bootstrapServers(), records);

            Configuration conf =
                    JobConfig.fromYaml(
                            """
                            kafka.topic: samples
                            kafka.dead-letter-topic: dlq
                            kafka.bounded: true
                            data.value-range: -3.4e38,3.4e38
                            prune.runs: r50
                            prune.warmup: 4
                            prune.penalty.delta: 0.5
                            prune.penalty.stabilize: 2
                            prune.publish.interval: 3
                            prune.eval.interval: 0
                            eval.dataset: none
                            prune.guard.max-bad-steps: 3
                            prune.guard.response: lower-lr
                            prune.metrics.port: 0
                            prune.checkpoint.interval: 1 s
                            """);
            conf.setString("kafka.bootstrap-servers", kafka.bootstrapServers());
            conf.setString("prune.batch-size", Integer.toString(BATCH));
            conf.setString("output.dir", tmp.resolve("models").toString());
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.getExecutionEnvironment(conf);
            env.setParallelism(1);
            PruneJob.Streams s = PruneJob.build(env, conf, false);
            List<TrainingEvent> events = new ArrayList<>();
            List<ModelVersion> versions = new ArrayList<>();
            try (CloseableIterator<TrainingEvent> e = s.events().collectAsync();
                    CloseableIterator<ModelVersion> v = s.versions().collectAsync()) {
                env.execute("numeric-guard-itcase");
                e.forEachRemaining(events::add);
                v.forEachRemaining(versions::add);
            }

            assertThat(events).hasSize(23);
            List<TrainingEvent> bad = events.stream().filter(x -> x.rejected() != null).toList();
            assertThat(bad).extracting(TrainingEvent::iteration).containsExactly(10L, 11L, 12L);
            assertThat(bad).extracting(TrainingEvent::samples).containsOnly(0);
            assertThat(events.get(12).guardResponse()).isEqualTo("lower-lr");
            TrainingEvent after = events.get(13);
            assertThat(after.rejected()).isNull();
            assertThat(after.learningRate())
                    .as("learning rate after the response")
                    .isCloseTo(
                            events.get(9).learningRate() * 0.1,
                            org.assertj.core.data.Offset.offset(1e-12));
            assertThat(events.stream().mapToInt(TrainingEvent::samples).sum()).isEqualTo(640);

            List<ConsumerRecord<byte[], byte[]>> dead =
                    Topics.readCommitted(kafka.bootstrapServers(), "dlq", 3);
            assertThat(dead).hasSize(3);
            assertThat(dead)
                    .allSatisfy(
                            r -> {
                                assertThat(Topics.header(r, "prunestream.reason"))
                                        .isEqualTo(RejectReason.NON_FINITE_STEP.name());
                                assertThat(new String(r.key(), StandardCharsets.UTF_8))
                                        .isEqualTo("r50");
                            });
            assertThat(Topics.header(dead.get(0), "prunestream.detail")).contains("iteration 10");

            assertThat(versions).isNotEmpty();
            for (Path dir : ModelStore.versions(tmp.resolve("models").resolve("r50"))) {
                INDArray p = ModelStore.load(dir).network().params();
                assertThat(p.isNaN().any() || p.isInfinite().any()).as("%s finite", dir).isFalse();
            }
        }
    }

    private static void addGood(List<byte[]> out, LabelledImages images, int from, int to) {
        for (int i = from; i < to; i += PER_RECORD) {
            int[] labels = new int[PER_RECORD];
            byte[] pixels = new byte[PER_RECORD * 784];
            for (int k = 0; k < PER_RECORD; k++) {
                labels[k] = images.labels()[i + k];
                System.arraycopy(images.pixels(), (i + k) * 784, pixels, k * 784, 784);
            }
            out.add(
                    SampleBatchCodec.encode(
                            SampleBatch.ofUint8(new int[] {1, 28, 28}, labels, pixels)));
        }
    }

    private static void send(String servers, List<byte[]> records) throws Exception {
        Properties p = new Properties();
        p.put("bootstrap.servers", servers);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (byte[] r : records) {
                producer.send(new ProducerRecord<>("samples", null, r)).get();
            }
        }
    }
}
