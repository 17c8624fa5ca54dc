package io.prunestream.job.upgrade;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.data.Datasets;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.job.FashionMnistTopic;
import io.prunestream.job.PruneJob;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.KafkaFlinkCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.commons.io.FileUtils;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.streaming.api.functions.sink.v2.DiscardingSink;
import org.apache.flink.util.CloseableIterator;
import org.assertj.core.data.Percentage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A savepoint written by the first release (state format 1, see the fixture's README) restores into
 * this build, and the restored job computes what that release computed after the same restore: the
 * same iterations, phases and lambdas, and the same losses (to the bit on the machine that wrote
 * the fixture, as the test prints; within rounding where oneDNN runs other kernels for another
 * CPU).
 */
class SavepointUpgradeITCase {
    private static final Path FIXTURE = Path.of("src/test/resources/savepoints/v1");

    /** The uid Flink gave the fixture program's collect sink (read from the savepoint). */
    private static final String FIXTURE_COLLECT_SINK = "dataStreamCollect_16";

    @RegisterExtension static final KafkaFlinkCluster CLUSTER = KafkaFlinkCluster.builder().build();

    record Step(String run, long iteration, String phase, double lp, double lk, int lossBits) {
        Step withoutLoss() {
            return new Step(run, iteration, phase, lp, lk, 0);
        }
    }

    @Test
    void restoresTheFirstReleasesSavepointAndContinuesBitIdentically(@TempDir Path tmp)
            throws Exception {
        List<Step> expected = new ArrayList<>();
        for (String line : Files.readAllLines(FIXTURE.resolve("continuation.txt"))) {
            String[] f = line.split(" ");
            expected.add(
                    new Step(
                            f[0],
                            Long.parseLong(f[1]),
                            f[2],
                            Double.parseDouble(f[3]),
                            Double.parseDouble(f[4]),
                            Integer.parseInt(f[5])));
        }
        Path savepoint = tmp.resolve("savepoint");
        FileUtils.copyDirectory(FIXTURE.toFile(), savepoint.toFile());
        CLUSTER.createTopic("samples", 1);
        CLUSTER.createTopic("dead-letters", 1);
        // the same records at the same offsets as when the savepoint was taken
        FashionMnistTopic.fill(
                CLUSTER.bootstrapServers(), "samples", Datasets.Split.TRAIN, 4000, 8);
        Configuration conf = config(CLUSTER.bootstrapServers(), tmp.resolve("models"));
        conf.setString("execution.state-recovery.path", savepoint.toUri().toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        PruneJob.Streams s = PruneJob.build(env, conf, false);
        // an extra operator gives this collect sink another id than the one in the savepoint
        CloseableIterator<TrainingEvent> events =
                s.events().filter(e -> true).uid("upgrade-test-events").collectAsync();
        // the fixture program's own collect sink is the one operator of the savepoint that is not
        // the job's: claim its state with a sink that ignores it, so every other operator of the
        // savepoint must find its uid in this build's job (no ignore-unclaimed-state)
        s.events()
                .filter(e -> false)
                .sinkTo(new DiscardingSink<>())
                .uid(FIXTURE_COLLECT_SINK)
                .name("fixture collect sink");
        JobClient job = env.executeAsync("savepoint-upgrade");
        Map<String, Integer> seen = new HashMap<>();
        List<Step> actual = new ArrayList<>();
        while (actual.size() < expected.size() && events.hasNext()) {
            TrainingEvent e = events.next();
            if (seen.merge(e.runId(), 1, Integer::sum) <= 12) {
                actual.add(
                        new Step(
                                e.runId(),
                                e.iteration(),
                                e.phase().name(),
                                e.lambdaPruned(),
                                e.lambdaKept(),
                                Float.floatToIntBits((float) e.loss())));
            }
        }
        job.cancel().get();
        // cancel() only asks; the tasks may still write into the temp folder JUnit deletes next
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!job.getJobStatus().get().isGloballyTerminalState()) {
            assertThat(System.nanoTime()).as("job cancelled within 60 s").isLessThan(deadline);
            Thread.sleep(50);
        }
        assertThat(actual).as("steps after restoring the v1 savepoint").hasSize(expected.size());
        assertThat(actual.stream().map(Step::withoutLoss).toList())
                .as("iterations, phases and lambdas after restoring the v1 savepoint")
                .containsExactlyInAnyOrderElementsOf(
                        expected.stream().map(Step::withoutLoss).toList());
        int identical = 0;
        Map<String, Integer> firstOfRun = new HashMap<>();
        for (Step a : actual) {
            Step e =
                    expected.stream()
                            .filter(x -> x.withoutLoss().equals(a.withoutLoss()))
                            .findFirst()
                            .orElseThrow();
            float got = Float.intBitsToFloat(a.lossBits());
            float want = Float.intBitsToFloat(e.lossBits());
            // a run's first loss is a forward pass on the restored parameters alone: a wrong
            // restore shows there; later steps may drift by rounding where oneDNN picks other
            // kernels for another CPU
            boolean first = firstOfRun.merge(a.run(), 1, Integer::sum) == 1;
            assertThat((double) got)
                    .as("loss of run %s at iteration %d", a.run(), a.iteration())
                    .isCloseTo(want, Percentage.withPercentage(first ? 1e-3 : 0.1));
            if (a.lossBits() == e.lossBits()) {
                identical++;
            }
        }
        assertThat(actual.get(0).iteration())
                .as("continues mid-stream, not from iteration 0")
                .isGreaterThan(5);
        System.out.printf(
                Locale.ROOT,
                "restored v1 savepoint: %d steps with the same iterations, phases and lambdas;"
                        + " %d of %d losses bit-identical to the first release's; first at"
                        + " iteration %d%n",
                actual.size(),
                identical,
                actual.size(),
                actual.get(0).iteration());
    }

    /** The configuration the fixture was written with (MakeSavepointFixture.java.txt). */
    static Configuration config(String servers, Path out) {
        Configuration conf =
                JobConfig.fromYaml(
                        """
                        kafka.topic: samples
                        kafka.dead-letter-topic: dead-letters
                        prune.runs: a;b
                        prune.run.b.method: greg2
                        prune.run.b.penalty.pick-delta: 0.05
                        prune.run.b.penalty.pick-ceiling: 0.1
                        prune.run.b.granularity: weight
                        prune.model.width: 0.25
                        prune.batch-size: 16
                        prune.warmup: 4
                        prune.penalty.delta: 0.05
                        prune.penalty.stabilize: 30
                        prune.eval.interval: 0
                        prune.publish.interval: 5
                        eval.dataset: none
                        prune.metrics.port: 0
                        prune.checkpoint.interval: 1 s
                        """);
        conf.setString("kafka.bootstrap-servers", servers);
        conf.setString("output.dir", out.toString());
        return conf;
    }
}
