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
    @Timeout(value = 4, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void runsKeepTheirStateWhenRunsAreAddedOrRemovedOnRestore() throws Exception {
        CLUSTER.createTopic("samples", 1);
        CLUSTER.createTopic("dead-letters", 1);
        fill();

        // r50 and r90 train the first fill: steps 0 to 29
        String first = run("r50;r90", null, Map.of("r50", 0L, "r90", 0L), false);

        // r30 added: r50 and r90 continue at step 30, r30 starts at 0
        fill();
        String second = run("r30;r50;r90", first, Map.of("r30", 0L, "r50", 30L, "r90", 30L), false);

        // r50 and r30 removed: r90 continues; the drained stop ends every operator's input, as the
        // end of a bounded stream does, and publishes r90's final version
        fill();
        String third = run("r90", second, Map.of("r90", 60L), true);

        // r50 back: it continues from its own state, 60 steps in
        fill();
        run("r50;r90", third, Map.of("r50", 60L, "r90", 90L), false);
    }

    /**
     * A bounded job at parallelism 2 on a one-partition topic: one source subtask has nothing to
     * read and finishes at once, while the other reads on. Flink refuses checkpoints of an operator
     * with union list state once part of it has finished; the placement's state is plain list
     * state, so every checkpoint of this job completes (none may fail: no tolerance, no restart).
     */
    @Test
    @Timeout(value = 4, unit = TimeUnit.MINUTES, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void checkpointsCompleteWhileOneSourceSubtaskHasFinished() throws Exception {
        CLUSTER.createTopic("one-partition", 1);
        CLUSTER.createTopic("one-partition-dlq", 1);
        FashionMnistTopic.fill(
                CLUSTER.bootstrapServers(), "one-partition", Datasets.Split.TRAIN, 2 * STEP, 8);
        Configuration conf =
                JobConfig.fromYaml(
                        """
                        kafka.topic: one-partition
                        kafka.dead-letter-topic: one-partition-dlq
                        kafka.bounded: true
                        prune.runs: r50;r90
                        prune.model.width: 0.25
                        prune.batch-size: 16
                        prune.eval.interval: 0
                        eval.dataset: none
                        prune.metrics.port: 0
                        prune.checkpoint.interval: 200 ms
                        execution.checkpointing.tolerable-failed-checkpoints: 0
                        restart-strategy.type: none
                        """);
        conf.setString("kafka.bootstrap-servers", CLUSTER.bootstrapServers());
        conf.setString("kafka.group-id", "one-partition");
        conf.setString("output.dir", tmp.resolve("one-partition").toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(2);
        PruneJob.Streams s = PruneJob.build(env, conf, false);
        CloseableIterator<TrainingEvent> events = s.events().collectAsync();
        env.execute("one-partition");
        Map<String, Long> steps = new TreeMap<>();
        events.forEachRemaining(e -> steps.merge(e.runId(), 1L, Long::sum));
        assertThat(steps)
                .containsEntry("r50", 2L * STEPS_PER_FILL)
                .containsEntry("r90", 2L * STEPS_PER_FILL);
    }

    private static void fill() {
        FashionMnistTopic.fill(
                CLUSTER.bootstrapServers(), "samples", Datasets.Split.TRAIN, STEP, 8);
    }

    /**
     * Runs the job with {@code runs} (restored from {@code savepoint} unless null), checks that
     * each run's first step is the one in {@code from}, lets each train one fill ({@value
     * #STEPS_PER_FILL} steps), then stops it with a savepoint and returns its path.
     */
    private static String run(String runs, String savepoint, Map<String, Long> from, boolean drain)
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
        Map<String, Long> until = new TreeMap<>();
        from.forEach((run, first) -> until.put(run, first + STEPS_PER_FILL - 1));
        Map<String, Long> last = new TreeMap<>();
        while (!reached(last, until) && events.hasNext()) {
            TrainingEvent e = events.next();
            if (!last.containsKey(e.runId())) {
                assertThat(e.iteration())
                        .as("first step of run %s in the job with runs %s", e.runId(), runs)
                        .isEqualTo(from.get(e.runId()));
            }
            last.put(e.runId(), e.iteration());
        }
        assertThat(last).as("last step per run of the job with runs %s", runs).isEqualTo(until);
        String path =
                job.stopWithSavepoint(
                                drain,
                                tmp.resolve("savepoints").toUri().toString(),
                                SavepointFormatType.CANONICAL)
                        .get();
        events.close();
        return path;
    }

    private static boolean reached(Map<String, Long> last, Map<String, Long> until) {
        return until.entrySet().stream()
                .allMatch(e -> last.getOrDefault(e.getKey(), -1L) >= e.getValue());
    }
}
