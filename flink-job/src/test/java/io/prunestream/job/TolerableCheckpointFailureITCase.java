package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.data.Datasets;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.KafkaFlinkCluster;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * One checkpoint that does not finish in time (the trainer's task held up in its snapshot longer
 * than the checkpoint timeout, as a VGG on a busy disk would be) expires. With the job's defaults
 * it restarts nothing; with Flink's own default (0 tolerable failed checkpoints) the same expiry
 * restarts the job.
 */
class TolerableCheckpointFailureITCase {
    private static final long TIMEOUT_MS = 3_000;

    @RegisterExtension static final KafkaFlinkCluster CLUSTER = KafkaFlinkCluster.builder().build();

    @TempDir static Path tmp;

    @BeforeAll
    static void fill() {
        CLUSTER.createTopic("samples", 1);
        CLUSTER.createTopic("dlq", 1);
        FashionMnistTopic.fill(CLUSTER.bootstrapServers(), "samples", Datasets.Split.TRAIN, 320, 8);
    }

    @Test
    void oneExpiredCheckpointRestartsNothingWhereFlinksDefaultRestartsTheJob() throws Exception {
        assertThat(attemptsWith(null, "defaults")).as("restarts with the job's defaults").isZero();
        // the same expiry with no failure tolerated: proves the checkpoint did fail
        assertThat(attemptsWith("0", "none-tolerated"))
                .as("restarts with execution.checkpointing.tolerable-failed-checkpoints: 0")
                .isPositive();
    }

    /**
     * Runs the bounded job, its first checkpoint stalled past the timeout; returns its restarts.
     */
    private static int attemptsWith(String tolerable, String name) throws Exception {
        Configuration conf =
                JobConfig.fromYaml(
                        """
                        kafka.topic: samples
                        kafka.dead-letter-topic: dlq
                        kafka.bounded: true
                        prune.runs: r50
                        prune.batch-size: 32
                        prune.eval.interval: 0
                        eval.dataset: none
                        prune.metrics.port: 0
                        prune.checkpoint.interval: 500 ms
                        prune.restart.delay: 100 ms
                        """);
        conf.setString("kafka.bootstrap-servers", CLUSTER.bootstrapServers());
        conf.setString("kafka.group-id", name);
        conf.setString("output.dir", tmp.resolve(name).toString());
        conf.setString("execution.checkpointing.timeout", TIMEOUT_MS + " ms");
        if (tolerable != null) {
            conf.setString("execution.checkpointing.tolerable-failed-checkpoints", tolerable);
        }
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        StallFirstSnapshot.reset();
        PruneJob.build(env, conf, false)
                .events()
                .map(new StallFirstSnapshot(TIMEOUT_MS + 1_500))
                .sinkTo(new DiscardingSink<>());
        env.execute(name);
        assertThat(StallFirstSnapshot.STALLED.get()).as("snapshots held up").isEqualTo(1);
        return StallFirstSnapshot.LAST_ATTEMPT.get();
    }
}
