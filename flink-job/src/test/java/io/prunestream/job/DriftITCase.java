package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.connectors.producer.DataShift;
import io.prunestream.connectors.producer.DatasetProducer;
import io.prunestream.connectors.producer.ProducerSettings;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.run.CycleStatus;
import io.prunestream.core.run.CycleStatus.Kind;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.KafkaFlinkCluster;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Drift through the job: the producer turns every image by 90 degrees from the 2 500th sample on
 * ({@code produce --shift rotate90 --after 2500}). The continuous run evaluating on samples held
 * out of that stream notices it once, pauses its cycles and publishes nothing while the data has
 * moved, keeps training, and takes its cycles up again once its accuracy is back within budget.
 */
class DriftITCase {
    private static final int N = 7000;
    private static final int SHIFT_AT = 2500;

    @RegisterExtension static final KafkaFlinkCluster CLUSTER = KafkaFlinkCluster.builder().build();

    @TempDir static Path tmp;

    @Test
    void aShiftedStreamPausesCyclesUntilAccuracyRecovers() throws Exception {
        CLUSTER.createTopic("samples", 1);
        CLUSTER.createTopic("dead-letters", 1);
        DatasetProducer.produce(
                ProducerSettings.builder()
                        .setBootstrapServers(CLUSTER.bootstrapServers())
                        .setTopic("samples")
                        .setDataset(Datasets.FASHION_MNIST)
                        .setLimit(N)
                        .setSamplesPerRecord(8)
                        .setShift(DataShift.parse("rotate90"), SHIFT_AT)
                        .build());
        Configuration conf =
                JobConfig.fromYaml(
                        """
                        kafka.bounded: true
                        prune.runs: c
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
                        prune.cycle.step: 0.2
                        prune.budget.accuracy-drop: 5
                        prune.drift.recovery: 2
                        prune.lr.finetune: 0:0.02
                        prune.eval.interval: 10
                        prune.publish.interval: 0
                        prune.metrics.port: 0
                        prune.checkpoint.interval: 2 s
                        output.keep-versions: 0
                        """);
        conf.setString("kafka.bootstrap-servers", CLUSTER.bootstrapServers());
        conf.setString("kafka.topic", "samples");
        conf.setString("kafka.dead-letter-topic", "dead-letters");
        conf.setString("output.dir", tmp.resolve("out").toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        PruneJob.Streams s = PruneJob.build(env, conf, false);
        CloseableIterator<TrainingEvent> events = s.events().collectAsync();
        CloseableIterator<ModelVersion> versions = s.versions().collectAsync();
        env.execute("drift-itcase");
        List<TrainingEvent> ev = new ArrayList<>();
        events.forEachRemaining(ev::add);
        List<ModelVersion> published = new ArrayList<>();
        versions.forEachRemaining(published::add);
        ev.stream()
                .flatMap(e -> e.cycles().decisions().stream())
                .forEach(d -> System.out.println("c: " + d.text()));

        List<Kind> kinds =
                ev.stream()
                        .flatMap(e -> e.cycles().decisions().stream())
                        .map(CycleStatus.Decision::kind)
                        .toList();
        // cycles before the shift, then drift noticed once, then recovery and cycles again
        int drift = kinds.indexOf(Kind.DRIFT);
        int recovered = kinds.indexOf(Kind.DRIFT_RECOVERED);
        assertThat(kinds.subList(0, drift)).contains(Kind.CYCLE_KEPT);
        assertThat(kinds.stream().filter(k -> k == Kind.DRIFT).count())
                .as("says so once")
                .isEqualTo(1);
        assertThat(recovered).isGreaterThan(drift);
        assertThat(kinds.subList(drift, recovered)).doesNotContain(Kind.CYCLE_STARTED);
        assertThat(kinds.subList(recovered, kinds.size())).contains(Kind.CYCLE_STARTED);

        long driftAt = at(ev, Kind.DRIFT);
        long backAt = at(ev, Kind.DRIFT_RECOVERED);
        // the drift came with the shift: after the first rotated samples were trained on
        long trainedBefore =
                ev.stream().filter(e -> e.iteration() < driftAt).mapToLong(e -> e.samples()).sum();
        assertThat(trainedBefore).isGreaterThan((long) (0.8 * SHIFT_AT) - 300);
        // paused, still training, nothing published meanwhile; the event flag (the metric
        // prunestream.drift) is up exactly from the drift to the recovery
        List<TrainingEvent> during =
                ev.stream()
                        .filter(e -> e.iteration() >= driftAt && e.iteration() < backAt)
                        .toList();
        assertThat(during).isNotEmpty().allSatisfy(e -> assertThat(e.cycles().drift()).isTrue());
        assertThat(during).allSatisfy(e -> assertThat(e.samples()).isPositive());
        assertThat(ev.stream().filter(e -> e.cycles().drift()).count()).isEqualTo(during.size());
        assertThat(published).noneMatch(v -> v.iteration() >= driftAt && v.iteration() < backAt);
        assertThat(published)
                .allSatisfy(
                        v -> assertThat(v.accuracy()).isGreaterThanOrEqualTo(v.lineage().floor()));
    }

    static long at(List<TrainingEvent> ev, Kind k) {
        return ev.stream().filter(e -> e.cycles().has(k)).findFirst().orElseThrow().iteration();
    }
}
