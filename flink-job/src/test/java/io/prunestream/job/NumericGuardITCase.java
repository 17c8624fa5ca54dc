package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Counter;
import io.prunestream.connectors.record.RejectReason;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.connectors.record.SampleBatchCodec;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.store.ModelStore;
import io.prunestream.job.config.JobConfig;
import io.prunestream.monitoring.EndpointSettings;
import io.prunestream.monitoring.MetricsEndpoint;
import io.prunestream.testing.LocalKafkaBroker;
import io.prunestream.testing.Topics;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The numeric guard in the running job, with the value range widened so that finite but huge values
 * reach the trainer: their steps are rolled back and dead-lettered (NON_FINITE_STEP) and answered
 * as configured; a paused run dead-letters every batch it skips (RUN_PAUSED); every published
 * version is finite.
 */
class NumericGuardITCase {
    private static final int BATCH = 32;
    private static final int PER_RECORD = 8;

    @TempDir static Path tmp;
    static LocalKafkaBroker kafka;
    static LabelledImages images;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = LocalKafkaBroker.start(tmp.resolve("kafka"));
        images = Datasets.FASHION_MNIST.load(Datasets.Split.TRAIN).head(640);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    /**
     * Three mini-batches of 3e38 make their steps non-finite. Each is rolled back and sent to the
     * dead-letter topic as NON_FINITE_STEP; the third in a row lowers the run's learning rate;
     * training goes on.
     */
    @Test
    void nonFiniteStepsAreRolledBackQuarantinedAndAnswered(@TempDir Path dir) throws Exception {
        String name = "lower-lr";
        send(name, records(3e38f));
        Result r =
                run(
                        name,
                        dir,
                        """
                        prune.runs: r50
                        prune.guard.max-bad-steps: 3
                        prune.guard.response: lower-lr
                        """);

        List<TrainingEvent> events = r.events("r50");
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
                Topics.readCommitted(kafka.bootstrapServers(), name + "-dlq", 3);
        assertThat(dead).hasSize(3);
        assertThat(dead)
                .allSatisfy(
                        d -> {
                            assertThat(Topics.header(d, "prunestream.reason"))
                                    .isEqualTo(RejectReason.NON_FINITE_STEP.name());
                            assertThat(new String(d.key(), StandardCharsets.UTF_8))
                                    .isEqualTo("r50");
                        });
        assertThat(Topics.header(dead.get(0), "prunestream.detail")).contains("iteration 10");
        assertThat(r.versions).isNotEmpty();
        assertVersionsFinite(dir, "r50");
    }

    /**
     * Three mini-batches of 1e20, one job, two runs. Run {@code adam} (LeNet, no BatchNorm, Adam):
     * its loss and parameters stay finite but Adam's second moment overflows, which the guard rolls
     * back as non-finite-updater-state. Run {@code paused} (the small CNN, SGD, pause after one bad
     * step): its BatchNorm statistics overflow at the first of them, it pauses, and every later
     * batch goes to the dead-letter topic as RUN_PAUSED and is counted in {@code
     * prunestream.guard.skipped}.
     */
    @Test
    void adamOverflowIsRolledBackAndAPausedRunDeadLettersEveryBatchItSkips(@TempDir Path dir)
            throws Exception {
        String name = "adam-and-pause";
        send(name, records(1e20f));
        Map<String, Double> skippedAtClose = new ConcurrentHashMap<>();
        Result r;
        // the job's metrics go to this JVM's one endpoint: hold it to see the counters' final
        // values, taken when the job removes its meters at the end
        try (MetricsEndpoint.Lease lease =
                MetricsEndpoint.acquire(EndpointSettings.builder().port(0).build())) {
            lease.registry()
                    .config()
                    .onMeterRemoved(
                            m -> {
                                if (m instanceof Counter c
                                        && m.getId().getName().equals("prunestream.guard.skipped")
                                        && "run-paused".equals(m.getId().getTag("reason"))) {
                                    skippedAtClose.put(m.getId().getTag("run"), c.count());
                                }
                            });
            r =
                    run(
                            name,
                            dir,
                            """
                            prune.runs: adam;paused
                            prune.run.adam.model: lenet
                            prune.run.adam.optimizer: adam
                            prune.run.adam.lr.train: 0:0.001
                            prune.run.adam.lr.prune: 0.001
                            prune.run.adam.lr.finetune: 0:0.001
                            prune.run.adam.guard.max-bad-steps: 3
                            prune.run.adam.guard.response: lower-lr
                            prune.run.paused.guard.max-bad-steps: 1
                            prune.run.paused.guard.response: pause
                            """);
        }

        List<TrainingEvent> adam = r.events("adam");
        assertThat(adam).hasSize(23);
        List<TrainingEvent> bad = adam.stream().filter(x -> x.rejected() != null).toList();
        assertThat(bad).extracting(TrainingEvent::iteration).containsExactly(10L, 11L, 12L);
        assertThat(bad)
                .extracting(TrainingEvent::rejected)
                .containsOnly("non-finite-updater-state");
        assertThat(bad).extracting(TrainingEvent::loss).allMatch(Double::isFinite);
        assertThat(adam.get(12).guardResponse()).isEqualTo("lower-lr");
        assertThat(adam.stream().mapToInt(TrainingEvent::samples).sum()).isEqualTo(640);

        List<TrainingEvent> paused = r.events("paused");
        assertThat(paused).hasSize(23);
        assertThat(paused.get(10).rejected()).isNotNull();
        assertThat(paused.get(10).guardResponse()).isEqualTo("pause");
        List<TrainingEvent> skipped = paused.subList(11, 23);
        assertThat(skipped).extracting(TrainingEvent::skipped).containsOnly("run-paused");
        assertThat(skipped).extracting(TrainingEvent::samples).containsOnly(0);
        assertThat(skippedAtClose).containsEntry("paused", 12.0);

        // 3 rolled-back steps of adam, 1 of paused, then paused's 12 skipped batches
        List<ConsumerRecord<byte[], byte[]>> dead =
                Topics.readCommitted(kafka.bootstrapServers(), name + "-dlq", 16);
        assertThat(dead).hasSize(16);
        List<ConsumerRecord<byte[], byte[]>> adamDead = byKey(dead, "adam");
        assertThat(adamDead).hasSize(3);
        assertThat(adamDead)
                .allSatisfy(
                        d -> {
                            assertThat(Topics.header(d, "prunestream.reason"))
                                    .isEqualTo(RejectReason.NON_FINITE_STEP.name());
                            assertThat(Topics.header(d, "prunestream.detail"))
                                    .contains("non-finite-updater-state");
                        });
        List<ConsumerRecord<byte[], byte[]>> pausedDead = byKey(dead, "paused");
        assertThat(pausedDead).hasSize(13);
        assertThat(Topics.header(pausedDead.get(0), "prunestream.reason"))
                .isEqualTo(RejectReason.NON_FINITE_STEP.name());
        List<ConsumerRecord<byte[], byte[]>> runPaused = pausedDead.subList(1, 13);
        for (int i = 0; i < runPaused.size(); i++) {
            ConsumerRecord<byte[], byte[]> d = runPaused.get(i);
            assertThat(Topics.header(d, "prunestream.reason"))
                    .isEqualTo(RejectReason.RUN_PAUSED.name());
            assertThat(Topics.header(d, "prunestream.detail"))
                    .contains("run paused, iteration " + (11 + i) + ":")
                    .contains("prune.guard.resume-paused: true");
            SampleBatch batch = SampleBatchCodec.decode(d.value());
            assertThat(batch.count()).isEqualTo(BATCH);
        }
        assertVersionsFinite(dir, "adam");
        assertVersionsFinite(dir, "paused");
    }

    private static List<ConsumerRecord<byte[], byte[]>> byKey(
            List<ConsumerRecord<byte[], byte[]>> records, String key) {
        return records.stream()
                .filter(d -> key.equals(new String(d.key(), StandardCharsets.UTF_8)))
                .toList();
    }

    private static void assertVersionsFinite(Path dir, String run) throws Exception {
        for (Path v : ModelStore.versions(dir.resolve("models").resolve(run))) {
            INDArray p = ModelStore.load(v).network().params();
            assertThat(p.isNaN().any() || p.isInfinite().any()).as("%s finite", v).isFalse();
        }
    }

    private record Result(List<TrainingEvent> all, List<ModelVersion> versions) {
        List<TrainingEvent> events(String run) {
            return all.stream().filter(e -> e.runId().equals(run)).toList();
        }
    }

    /** Runs the bounded job on topic {@code <name>} with the settings shared by these tests. */
    private static Result run(String name, Path dir, String yaml) throws Exception {
        Configuration conf =
                JobConfig.fromYaml(
                        yaml
                                + """
                                kafka.bounded: true
                                data.value-range: -3.4e38,3.4e38
                                prune.warmup: 4
                                prune.penalty.delta: 0.5
                                prune.penalty.stabilize: 2
                                prune.publish.interval: 3
                                prune.eval.interval: 0
                                eval.dataset: none
                                prune.metrics.port: 0
                                prune.checkpoint.interval: 1 s
                                """);
        conf.setString("kafka.bootstrap-servers", kafka.bootstrapServers());
        conf.setString("kafka.topic", name);
        conf.setString("kafka.dead-letter-topic", name + "-dlq");
        conf.setString("kafka.group-id", name);
        conf.setString("prune.batch-size", Integer.toString(BATCH));
        conf.setString("output.dir", dir.resolve("models").toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        PruneJob.Streams s = PruneJob.build(env, conf, false);
        List<TrainingEvent> events = new ArrayList<>();
        List<ModelVersion> versions = new ArrayList<>();
        try (CloseableIterator<TrainingEvent> e = s.events().collectAsync();
                CloseableIterator<ModelVersion> v = s.versions().collectAsync()) {
            env.execute("numeric-guard-itcase-" + name);
            e.forEachRemaining(events::add);
            v.forEachRemaining(versions::add);
        }
        return new Result(events, versions);
    }

    /** 10 good mini-batches, 3 of {@code huge} everywhere, 10 good ones: steps 10-12 are bad. */
    private static List<byte[]> records(float huge) {
        List<byte[]> records = new ArrayList<>();
        addGood(records, 0, 320);
        for (int i = 0; i < 3 * BATCH / PER_RECORD; i++) {
            float[] values = new float[PER_RECORD * 784];
            java.util.Arrays.fill(values, huge);
            records.add(
                    SampleBatchCodec.encode(
                            SampleBatch.ofFloat32(
                                    new int[] {1, 28, 28}, new int[PER_RECORD], values)));
        }
        addGood(records, 320, 640);
        return records;
    }

    private static void addGood(List<byte[]> out, int from, int to) {
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

    private static void send(String topic, List<byte[]> records) throws Exception {
        kafka.createTopic(topic, 1);
        kafka.createTopic(topic + "-dlq", 1);
        Properties p = new Properties();
        p.put("bootstrap.servers", kafka.bootstrapServers());
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (byte[] r : records) {
                producer.send(new ProducerRecord<>(topic, null, r)).get();
            }
        }
    }
}
