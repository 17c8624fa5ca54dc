package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prunestream.connectors.kafka.HoldOut;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.connectors.record.SampleBatchCodec;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.run.CycleStatus;
import io.prunestream.core.run.CycleStatus.Kind;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.store.ModelStore;
import io.prunestream.core.store.PruningReport;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.KafkaFlinkCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.ZipFile;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Continuous pruning through the job, on a real broker and a mini cluster, evaluating on samples
 * held out of the training stream itself. Run {@code c} takes a third of what is left per cycle
 * within a 5-point budget; run {@code strict} takes 95 % at once and must be rolled back. Checked:
 * the held-out samples (chosen by their place in the topic) are never trained on and every other
 * sample is; every batch gets a prequential score; cycles are kept, shrink the network and are
 * published with their lineage (folders, the model topic); the rolled-back cycle's network is
 * replaced by the one from before it, bit for bit; and no published version ever breaks the budget
 * on the held-out accuracy measured when it was published.
 */
class ContinuousPruningITCase {
    private static final int N = 6000;
    private static final String TOPIC = "samples";
    private static final String MODELS = "models";
    private static final double HOLDOUT = 0.2;

    @RegisterExtension static final KafkaFlinkCluster CLUSTER = KafkaFlinkCluster.builder().build();

    @TempDir static Path tmp;

    @Test
    void cyclesStayWithinTheBudgetOnTheHeldOutStream() throws Exception {
        CLUSTER.createTopic(TOPIC, 1);
        CLUSTER.createTopic("dead-letters", 1);
        CLUSTER.createTopic(MODELS, 1);
        FashionMnistTopic.fill(CLUSTER.bootstrapServers(), TOPIC, Datasets.Split.TRAIN, N, 8);

        Configuration conf =
                JobConfig.fromYaml(
                        """
                        kafka.bounded: true
                        prune.runs: c;strict
                        prune.schedule: continuous
                        eval.source: stream
                        eval.holdout: 0.2
                        eval.window: 300
                        prune.batch-size: 32
                        prune.warmup: 30
                        prune.ratios: 0.9
                        prune.penalty.delta: 0.25
                        prune.penalty.stabilize: 2
                        prune.cycle.finetune: 10
                        prune.cycle.step: 0.34
                        prune.budget.accuracy-drop: 5
                        prune.run.strict.cycle.step: 0.95
                        prune.run.strict.cycle.on-breach: stop
                        prune.eval.interval: 10
                        prune.publish.interval: 40
                        prune.metrics.port: 0
                        prune.checkpoint.interval: 2 s
                        output.keep-versions: 0
                        """);
        conf.setString("kafka.bootstrap-servers", CLUSTER.bootstrapServers());
        conf.setString("kafka.topic", TOPIC);
        conf.setString("kafka.dead-letter-topic", "dead-letters");
        conf.setString("kafka.model-topic", MODELS);
        conf.setString("output.dir", tmp.resolve("out").toString());

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        PruneJob.Streams s = PruneJob.build(env, conf, false);
        CloseableIterator<TrainingEvent> events = s.events().collectAsync();
        CloseableIterator<ModelVersion> versions = s.versions().collectAsync();
        env.execute("continuous-pruning-itcase");

        Map<String, List<TrainingEvent>> byRun = new HashMap<>();
        events.forEachRemaining(
                e -> byRun.computeIfAbsent(e.runId(), k -> new ArrayList<>()).add(e));
        List<ModelVersion> published = new ArrayList<>();
        versions.forEachRemaining(published::add);
        for (String run : List.of("c", "strict")) {
            decisions(byRun.get(run)).forEach(d -> System.out.println(run + ": " + d.text()));
        }

        // held out by their place in the topic, never trained on; every other sample trained on
        long heldOut = 0;
        HoldOut h = new HoldOut(HOLDOUT);
        for (ConsumerRecord<byte[], byte[]> r : CLUSTER.readCommitted(TOPIC, N / 8)) {
            SampleBatch b = SampleBatchCodec.decode(r.value());
            for (int i = 0; i < b.count(); i++) {
                heldOut += h.heldOut(r.partition(), r.offset(), i) ? 1 : 0;
            }
        }
        assertThat(heldOut).isBetween((long) (0.15 * N), (long) (0.25 * N));
        for (String run : List.of("c", "strict")) {
            List<TrainingEvent> ev = byRun.get(run);
            assertThat(ev.stream().mapToLong(TrainingEvent::samples).sum())
                    .as("samples %s trained on", run)
                    .isEqualTo(N - heldOut);
            // test-then-train: every batch scored before its step, from the first one on
            assertThat(ev).allSatisfy(e -> assertThat(e.prequentialAccuracy()).isBetween(0., 1.));
        }

        // c: cycles kept, each a smaller network, published with their lineage
        List<Kind> c = kinds(byRun.get("c"));
        assertThat(c).startsWith(Kind.REFERENCE, Kind.CYCLE_STARTED);
        assertThat(c).filteredOn(k -> k == Kind.CYCLE_KEPT).hasSizeGreaterThanOrEqualTo(2);
        List<ModelVersion> cv = ofRun(published, "c");
        List<Long> flops =
                cv.stream().filter(v -> !v.last()).map(v -> v.lineage().flops()).toList();
        assertThat(flops).isSortedAccordingTo((a, b) -> Long.compare(b, a));
        assertThat(flops.get(flops.size() - 1)).isLessThan(flops.get(0));

        // strict: its one cycle broke the budget; the network from before it is published again
        List<Kind> strict = kinds(byRun.get("strict"));
        assertThat(strict)
                .containsSubsequence(
                        Kind.REFERENCE, Kind.CYCLE_STARTED, Kind.ROLLED_BACK, Kind.STOPPED);
        List<ModelVersion> sv = ofRun(published, "strict");
        ModelVersion back =
                sv.stream()
                        .filter(v -> v.lineage().rolledBackFrom() != null)
                        .findFirst()
                        .orElseThrow();
        assertThat(back.lineage().rolledBackFrom().cycle()).isEqualTo(1);
        assertThat(back.lineage().cycle()).isZero();
        assertThat(back.lineage().rolledBackFrom().accuracy()).isLessThan(back.lineage().floor());
        assertThat(back.lineage().rolledBackFrom().flops()).isLessThan(back.lineage().flops());
        ModelVersion before = sv.get(sv.indexOf(back) - 1);
        assertThat(coefficients(back))
                .as("v%d is v%d again", back.version(), before.version())
                .isEqualTo(coefficients(before));

        // no published version ever breaks the budget, measured when it was published
        for (ModelVersion v : published) {
            PruningReport.Lineage l = v.lineage();
            assertThat(l).as("%s v%d lineage", v.runId(), v.version()).isNotNull();
            assertThat(l.accuracy())
                    .as("%s v%d accuracy when published", v.runId(), v.version())
                    .isGreaterThanOrEqualTo(l.floor())
                    .isEqualTo(v.accuracy());
            assertThat(l.budget()).isEqualTo(5.0);
            // the folder's report.json says the same
            PruningReport onDisk = ModelStore.readReport(Path.of(v.path()));
            assertThat(onDisk.lineage()).isEqualTo(l);
        }
        // and the model topic's JSON carries it at its top
        ObjectMapper json = new ObjectMapper();
        List<JsonNode> announced = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : CLUSTER.readCommitted(MODELS, published.size())) {
            announced.add(json.readTree(r.value()));
        }
        JsonNode rolled =
                announced.stream()
                        .filter(a -> a.path("lineage").path("rolledBackFrom").isObject())
                        .findFirst()
                        .orElseThrow();
        assertThat(rolled.path("runId").asText()).isEqualTo("strict");
        assertThat(rolled.path("lineage").path("rolledBackFrom").path("cycle").asInt())
                .isEqualTo(1);
        assertThat(announced)
                .allSatisfy(a -> assertThat(a.path("lineage").path("reference").isNumber()));

        // the HTML report shows the front
        String report =
                Files.readString(tmp.resolve("out").resolve("c").resolve("report/index.html"));
        assertThat(report).contains("Cycles: accuracy vs FLOPs", "front.png", "cycle_kept");
    }

    static List<CycleStatus.Decision> decisions(List<TrainingEvent> ev) {
        return ev.stream().flatMap(e -> e.cycles().decisions().stream()).toList();
    }

    static List<Kind> kinds(List<TrainingEvent> ev) {
        return decisions(ev).stream().map(CycleStatus.Decision::kind).toList();
    }

    static List<ModelVersion> ofRun(List<ModelVersion> all, String run) {
        return all.stream().filter(v -> v.runId().equals(run)).toList();
    }

    static byte[] coefficients(ModelVersion v) throws IOException {
        Path zip = Path.of(v.path()).resolve(ModelStore.MODEL_FILE);
        try (ZipFile z = new ZipFile(zip.toFile())) {
            return z.getInputStream(z.getEntry("coefficients.bin")).readAllBytes();
        }
    }

    static boolean same(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }
}
