package io.prunestream.apps.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.apps.JobProcess;
import io.prunestream.apps.Main;
import io.prunestream.connectors.producer.DatasetProducer;
import io.prunestream.connectors.producer.ProducerSettings;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.testing.LocalFiles;
import io.prunestream.testing.LocalKafkaBroker;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./prunestream job} in a child JVM stopped with SIGTERM, then {@code --resume}d: the
 * resumed job continues from what the stopped one named (its savepoint, or the checkpoint kept when
 * the savepoint missed {@code prune.stop.timeout}) at the iteration that holds, and {@code
 * --resume} refuses another job's state or settings.
 */
class StopAndResumeITCase {
    private static final int BATCH = 16;
    @TempDir static Path tmp;
    static LocalKafkaBroker kafka;
    static LabelledImages train;
    static final List<Process> children = new ArrayList<>();

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = LocalKafkaBroker.start(tmp.resolve("kafka"));
        kafka.createTopic("dlq", 1);
        train = Datasets.FASHION_MNIST.load(Datasets.Split.TRAIN);
    }

    @AfterAll
    static void stopKafka() throws InterruptedException {
        for (Process p : children) {
            p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
        if (kafka != null) {
            kafka.close();
        }
    }

    /**
     * An unbounded job that has trained every sample waits at a known iteration, so the savepoint
     * and the checkpoint it is stopped at hold exactly that iteration.
     */
    @Test
    void sigtermStopsAtASavepointOrTheNewestCheckpointAndResumeContinuesThere() throws Exception {
        kafka.createTopic("stop", 1);
        Path out = tmp.resolve("stop");
        int port = JobProcess.freePort();
        List<String> job = job("stop", out, false, port);
        produce("stop", 10 * BATCH);

        Process first = start(out, "first", job);
        waitForSteps(first, port, 10, out.resolve("first.log"));
        first.toHandle().destroy(); // SIGTERM (Process.destroy would also close its stdin)
        String stopped = stopLine(first, out.resolve("first.log"));
        Matcher sp = Pattern.compile("stopped in [0-9.]+ s; savepoint (\\S+)").matcher(stopped);
        assertThat(sp.find()).as(stopped).isTrue();
        Path savepoint = JobRecord.localPath(sp.group(1));

        // a setting that decides the training differs from the stopped job's: refused
        List<String> changed = new ArrayList<>(job);
        changed.set(changed.indexOf("--prune.ratios") + 1, "0.7");
        Usage refused = inProcess(resume(changed));
        assertThat(refused.exit).isEqualTo(2);
        assertThat(refused.err.lines().toList())
                .singleElement()
                .asString()
                .startsWith("prunestream job: --resume: prune.run.r.ratios was '0.5', now '0.7'")
                .contains("start fresh in a new output.dir");

        // resumed from the savepoint, at its iteration; stopped past a 1 ms deadline
        List<String> impatient = resume(job);
        impatient.addAll(List.of("--prune.stop.timeout", "1 ms"));
        Process second = start(out, "second", impatient);
        produce("stop", 10 * BATCH); // a run is restored when its first new batch arrives
        String resumed = waitForLine(second, out.resolve("second.log"), "run 'r' resumed at");
        assertThat(Files.readString(out.resolve("second.log")))
                .contains("prunestream job: resuming from savepoint " + savepoint + "\n");
        assertThat(resumed).contains("run 'r' resumed at iteration 10 ");

        waitForSteps(second, port, 20, out.resolve("second.log"));
        long seen = newestCheckpointId(out);
        // one triggered after the 20th step: it holds iteration 20
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(2);
        while (newestCheckpointId(out) < seen + 2 && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        second.toHandle().destroy(); // SIGTERM (Process.destroy would also close its stdin)
        String cancelled = stopLine(second, out.resolve("second.log"));
        Matcher chk =
                Pattern.compile(
                                "no savepoint within 1 ms; cancelled, keeping checkpoint (\\d+)"
                                        + " \\((\\S+)\\): --resume continues from checkpoint"
                                        + " \\1 ")
                        .matcher(cancelled);
        assertThat(chk.find()).as(cancelled).isTrue();
        assertThat(Long.parseLong(chk.group(1))).isGreaterThanOrEqualTo(seen + 2);

        Process third = start(out, "third", resume(job));
        produce("stop", BATCH);
        resumed = waitForLine(third, out.resolve("third.log"), "run 'r' resumed at");
        third.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        assertThat(Files.readString(out.resolve("third.log")))
                .contains(
                        "prunestream job: resuming from checkpoint "
                                + chk.group(1)
                                + " ("
                                + chk.group(2)
                                + ")");
        assertThat(resumed).contains("run 'r' resumed at iteration 20 ");
    }

    /**
     * After a stop left a savepoint, the resumed bounded job runs to its end and Flink deletes its
     * checkpoints: {@code --resume} must not take the older savepoint again.
     */
    @Test
    void resumeRefusesOnceTheLastJobFinished() throws Exception {
        kafka.createTopic("finish", 1);
        Path out = tmp.resolve("finish");
        int port = JobProcess.freePort();
        List<String> job = job("finish", out, true, port);
        produce("finish", 500 * BATCH);

        Process first = start(out, "first", job);
        waitForSteps(first, port, 1, out.resolve("first.log"));
        first.toHandle().destroy(); // SIGTERM (Process.destroy would also close its stdin)
        assertThat(stopLine(first, out.resolve("first.log")))
                .as("the bounded job must still run when it is stopped")
                .contains("; savepoint ");

        Usage finished = inProcess(resume(job));
        assertThat(finished.exit).as(finished.err).isZero();

        Usage again = inProcess(resume(job));
        assertThat(again.exit).isEqualTo(2);
        assertThat(again.err.lines().toList())
                .singleElement()
                .asString()
                .startsWith("prunestream job: --resume: the last job in ")
                .contains("ran its bounded input to the end")
                .contains("start fresh in a new output.dir, or give --resume PATH");
    }

    private static List<String> job(String topic, Path out, boolean bounded, int port) {
        return new ArrayList<>(
                List.of(
                        "--bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--kafka.topic",
                        topic,
                        "--kafka.group-id",
                        topic,
                        "--kafka.dead-letter-topic",
                        "dlq",
                        "--kafka.bounded",
                        Boolean.toString(bounded),
                        "--output.dir",
                        out.toString(),
                        "--prune.runs",
                        "r",
                        "--prune.ratios",
                        "0.5",
                        "--prune.batch-size",
                        Integer.toString(BATCH),
                        "--prune.publish.interval",
                        "0",
                        "--prune.eval.interval",
                        "0",
                        "--eval.dataset",
                        "none",
                        "--prune.checkpoint.interval",
                        "1 s",
                        "--prune.metrics.port",
                        Integer.toString(port)));
    }

    private static List<String> resume(List<String> job) {
        List<String> args = new ArrayList<>(List.of("--resume"));
        args.addAll(job);
        return args;
    }

    /** {@code samples} more records of one sample each (the first images again: any will do). */
    private static void produce(String topic, int samples) {
        DatasetProducer.produce(
                ProducerSettings.builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .setTopic(topic)
                        .setLimit(samples)
                        .build(),
                train,
                p -> {});
    }

    private static Process start(Path out, String name, List<String> args) throws IOException {
        Process p = JobProcess.start(out, "1g", args, out.resolve(name + ".log"));
        children.add(p);
        return p;
    }

    private record Usage(int exit, String err) {}

    /** {@code job args} through the entry point in this JVM. */
    private static Usage inProcess(List<String> args) {
        StringWriter err = new StringWriter();
        List<String> all = new ArrayList<>(List.of("job"));
        all.addAll(args);
        int exit =
                Main.commandLine()
                        .setErr(new PrintWriter(err, true))
                        .execute(all.toArray(String[]::new));
        return new Usage(exit, err.toString());
    }

    /** Waits for the stopped child to exit; returns its last line about the stop. */
    private static String stopLine(Process p, Path log) throws Exception {
        assertThat(p.waitFor(2, TimeUnit.MINUTES)).as("stopped within 2 min").isTrue();
        return Files.readAllLines(log).stream()
                .filter(l -> l.contains("prunestream job: stopped") || l.contains("cancelled"))
                .reduce((a, b) -> b)
                .orElseThrow(() -> new AssertionError("no stop line; " + LocalFiles.tail(log, 20)));
    }

    private static String waitForLine(Process p, Path log, String text) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (System.nanoTime() < deadline) {
            if (Files.exists(log)) {
                for (String l : Files.readAllLines(log)) {
                    if (l.contains(text)) {
                        return l;
                    }
                }
            }
            if (!p.isAlive()) {
                throw new AssertionError(
                        "ended without '" + text + "': " + LocalFiles.tail(log, 20));
            }
            Thread.sleep(100);
        }
        throw new AssertionError("no '" + text + "' in 3 min: " + LocalFiles.tail(log, 20));
    }

    private static long newestCheckpointId(Path out) {
        return Checkpoints.newest(out)
                .filter(f -> !f.savepoint())
                .map(Checkpoints.Found::checkpointId)
                .orElse(-1L);
    }

    /** Waits until the child job's run r took {@code steps} steps (its iteration counts from 0). */
    private static void waitForSteps(Process p, int port, long steps, Path log) throws Exception {
        JobProcess.waitForIteration(p, port, "r", steps - 1, Duration.ofMinutes(3), log);
    }
}
