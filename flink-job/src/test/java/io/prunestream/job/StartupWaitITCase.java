package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.testing.ChildJvm;
import io.prunestream.testing.KafkaFlinkCluster;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link PruneJob#main} started before its dead-letter topic exists, as the JobManager is on a
 * first deploy while Strimzi still creates the topics: it checks again with growing pauses, one log
 * line per check, and goes on once the topic is there; a topic that never comes fails main() after
 * {@code kafka.startup-timeout} with one line naming it (a thrown exception, not a JVM exit, as
 * main() runs inside the JobManager in application mode). Each case runs main() in its own JVM, as
 * a System.exit would end the test's.
 */
class StartupWaitITCase {
    private static final String SAMPLES = "samples";
    private static final Pattern NOT_READY = Pattern.compile("not ready \\(check (\\d+),");
    private static final Pattern GAVE_UP = Pattern.compile("still so after (\\d+) checks");

    @RegisterExtension
    static final KafkaFlinkCluster KAFKA =
            KafkaFlinkCluster.builder()
                    .withoutMiniCluster()
                    .brokerProperty("auto.create.topics.enable", "false")
                    .build();

    @TempDir Path tmp;
    private Process job;

    @BeforeAll
    static void createTheSamplesTopic() {
        KAFKA.createTopic(SAMPLES, 1);
    }

    @AfterEach
    void stopTheJob() {
        if (job != null && job.isAlive()) {
            job.destroyForcibly();
        }
    }

    @Test
    void theJobWaitsForTheDeadLetterTopicAndGoesOnWhenItAppears() throws Exception {
        Path log = tmp.resolve("job.log");
        job = start("late-dead-letters", "2 min", log);
        // the first failed check is logged; only then does the topic appear
        awaitLine(log, NOT_READY, 120);
        KAFKA.createTopic("late-dead-letters", 1);
        assertThat(job.waitFor(4, TimeUnit.MINUTES)).as("the job ends (bounded source)").isTrue();
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(job.exitValue()).as(text).isZero();
        List<String> lines = text.lines().toList();
        int firstCheck = indexOf(lines, "not ready (check 1,");
        int ready = indexOf(lines, "is ready (check");
        assertThat(firstCheck).as(text).isNotNegative();
        assertThat(lines.get(firstCheck))
                .contains("dead-letter topic 'late-dead-letters'")
                .contains("does not exist");
        assertThat(ready)
                .as("the check that passed is logged after the failed ones")
                .isGreaterThan(firstCheck);
        assertThat(lines.get(ready)).contains("dead-letter topic 'late-dead-letters'");
        assertThat(text)
                .as("the sink is built on the topic, and the job runs")
                .contains("dead letters go to 'late-dead-letters'")
                .doesNotContain("prunestream job: config key");
    }

    @Test
    void aTopicThatNeverComesFailsMainWithOneLineAfterTheTimeout() throws Exception {
        Path log = tmp.resolve("never.log");
        job = start("never-created", "4 s", log);
        assertThat(job.waitFor(3, TimeUnit.MINUTES)).isTrue();
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertThat(job.exitValue())
                .as(
                        "main() throws (exit 1 from the JVM), it does not call System.exit(2):\n"
                                + text)
                .isEqualTo(1);
        List<String> errors =
                text.lines()
                        .filter(l -> l.contains("ERROR") && l.contains("prunestream job:"))
                        .toList();
        assertThat(errors).as(text).hasSize(1);
        String line = errors.get(0);
        assertThat(line)
                .contains("config key 'kafka.dead-letter-topic' ('never-created')")
                .contains("does not exist on " + KAFKA.bootstrapServers())
                .contains("kafka.startup-timeout is 4 s");
        Matcher gaveUp = GAVE_UP.matcher(line);
        assertThat(gaveUp.find()).as(line).isTrue();
        int checks = Integer.parseInt(gaveUp.group(1));
        assertThat(checks).as("it checked more than once").isGreaterThan(1);
        assertThat(text.lines().filter(l -> NOT_READY.matcher(l).find()).count())
                .as("one line per failed check before the last")
                .isEqualTo(checks - 1);
        assertThat(text)
                .as("the exception leaves main()")
                .contains(
                        "io.prunestream.core.config.UsageException: config key"
                                + " 'kafka.dead-letter-topic'");
    }

    /** {@code PruneJob.main} in a child JVM, on the samples topic, bounded, no held-out set. */
    private Process start(String deadLetterTopic, String startupTimeout, Path log)
            throws IOException {
        List<String> args =
                new ArrayList<>(
                        List.of(
                                "--bootstrap-servers",
                                KAFKA.bootstrapServers(),
                                "--kafka.topic",
                                SAMPLES,
                                "--kafka.dead-letter-topic",
                                deadLetterTopic,
                                "--kafka.startup-timeout",
                                startupTimeout,
                                "--kafka.bounded",
                                "true",
                                "--eval.dataset",
                                "none",
                                "--prune.metrics.port",
                                "0",
                                "--prune.checkpoint.interval",
                                "1 s",
                                "--output.dir",
                                tmp.resolve("out").toString()));
        return ChildJvm.start(
                tmp.resolve("jvm"),
                List.of(
                        "-Xmx1g",
                        "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                        "-Dorg.slf4j.simpleLogger.log.io.prunestream=info"),
                Map.of("OMP_WAIT_POLICY", "PASSIVE"),
                PruneJob.class.getName(),
                args,
                log);
    }

    private void awaitLine(Path log, Pattern pattern, int seconds) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)
                    && pattern.matcher(Files.readString(log, StandardCharsets.UTF_8)).find()) {
                return;
            }
            assertThat(job.isAlive())
                    .as("the job ended before checking again:\n" + Files.readString(log))
                    .isTrue();
            Thread.sleep(200);
        }
        throw new AssertionError(
                "no line matching '"
                        + pattern
                        + "' in "
                        + seconds
                        + " s:\n"
                        + Files.readString(log));
    }

    private static int indexOf(List<String> lines, String text) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(text)) {
                return i;
            }
        }
        return -1;
    }
}
