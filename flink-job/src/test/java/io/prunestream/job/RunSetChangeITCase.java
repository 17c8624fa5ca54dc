package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.data.Datasets;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.KafkaFlinkCluster;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run's state follows its id whatever other runs exist: a savepoint of runs r50 and r90 restored
 * with a new run r30 continues r50 and r90 where they were and starts r30 at iteration 0; restored
 * with r90 alone, r90 continues and the job ends cleanly; r50, added back later, continues where it
 * was left.
 *
 * <p>The topic is filled in steps of {@value #STEP} samples (exactly {@value #STEPS_PER_FILL} steps
 * of batch {@value #BATCH}), and each job is stopped once its runs have trained all it holds, so
 * every savepoint is taken at a known iteration.
 */
class RunSetChangeITCase {
    private static final int BATCH = 16;
    private static final int STEP = 480;
    private static final int STEPS_PER_FILL = STEP / BATCH;

    @RegisterExtension static final KafkaFlinkCluster CLUSTER = KafkaFlinkCluster.builder().build();

    @TempDir static Path tmp;

    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES) // a run restarted from scratch never gets there
    void runsKeepTheirStateWhenRunsAreAddedOrRemovedOnRestore() throws Exception {
        CLUSTER.createTopic("samples", 1);
        CLUSTER.createTopic("dead-letters", 1);
        fill();

        // r50 and r90 train the first fill: 30 steps each
        String first = run("r50;r90", null, Map.of("r50", 29L, "r90", 29L), false).savepoint;

        fill();
        Stopped second =
                run("r30;r50;r90", first, Map.of("r30", 29L, "r50", 59L, "r90", 59L), false);
        assertThat(second.firstIteration)
                .as("where each run started after the restore with r30 added")
                .containsEntry("r50", (long) STEPS_PER_FILL)
                .containsEntry("r90", (long) STEPS_PER_FILL)
                .containsEntry("r30", 0L);

        // r50 and r30 removed: r90 continues; the drained stop ends every operator's input, as the
        // end of a bounded stream does, and publishes r90's final version
        fill();
        Stopped third = run("r90", second.savepoint, Map.of("r90", 89L), true);
        assertThat(third.firstIteration).containsOnlyKeys("r90").containsEntry("r90", 60L);

        // r50 back: it continues from its own state, 60 steps in
        fill();
        Stopped fourth = run("r50;r90", third.savepoint, Map.of("r50", 89L, "r90", 119L), false);
        assertThat(fourth.firstIteration).containsEntry("r50", 60L).containsEntry("r90", 90L);
    }

    private static void fill() {
        FashionMnistTopic.fill(
                CLUSTER.bootstrapServers(), "samples", Datasets.Split.TRAIN, STEP, 8);
    }

    record Stopped(String savepoint, Map<String, Long> firstIteration) {}

    /**
     * Runs the job with {@code runs} (restored from {@code savepoint} unless null) until each run
     * reached its iteration in {@code until}, then stops it with a savepoint.
     */
    private static Stopped run(
            String runs, String savepoint, Map<String, Long> until, boolean drain)
            throws Exception {
        Configuration conf =
                JobConfig.fromYaml(
                        """
                        kafka.topic: samples
                        kafka.dead-letter-topic: dead-letters
                        prune.model.width: 0.25
                        prune.batch-size: 16
                        prune.warmup: 4
                        prune.penalty.delta: 0.05
                        prune.penalty.stabilize: 10
                        prune.eval.interval: 0
                        prune.publish.interval: 10
                        eval.dataset: none
                        prune.metrics.port: 0
                        prune.checkpoint.interval: 1 s
                        """);
        conf.setString("kafka.bootstrap-servers", CLUSTER.bootstrapServers());
        conf.setString("output.dir", tmp.resolve("models").toString());
        conf.setString("prune.runs", runs);
        if (savepoint != null) {
            conf.setString("execution.state-recovery.path", savepoint);
            // the test's own collect sink of the previous job is the only unclaimed state
            conf.setString("execution.state-recovery.ignore-unclaimed-state", "true");
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        PruneJob.Streams s = PruneJob.build(env, conf, false);
        CloseableIterator<TrainingEvent> events = s.events().collectAsync();
        JobClient job = env.executeAsync("run-set-change");
        Map<String, Long> first = new TreeMap<>();
        Map<String, Long> last = new TreeMap<>();
        while (!reached(last, until) && events.hasNext()) {
            TrainingEvent e = events.next();
            first.putIfAbsent(e.runId(), e.iteration());
            last.put(e.runId(), e.iteration());
        }
        assertThat(last).as("last iteration per run of job with runs %s", runs).isEqualTo(until);
        String path =
                job.stopWithSavepoint(
                                drain,
                                tmp.resolve("savepoints").toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get();
        events.close();
        return new Stopped(path, first);
    }

    private static boolean reached(Map<String, Long> last, Map<String, Long> until) {
        return until.entrySet().stream()
                .allMatch(e -> last.getOrDefault(e.getKey(), -1L) >= e.getValue());
    }
}
