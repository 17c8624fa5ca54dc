package io.prunestream.apps;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.testing.LocalKafkaBroker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Bad input is one line on stderr and status 2 for every command, no stack trace; a bug keeps its
 * trace and status 1. Topics are checked on a real broker that does not create topics on first use.
 */
class UsageErrorsITCase {
    @TempDir static Path tmp;
    static LocalKafkaBroker kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka =
                LocalKafkaBroker.start(
                        tmp.resolve("kafka"),
                        LocalKafkaBroker.DEFAULT_START_TIMEOUT,
                        Map.of("auto.create.topics.enable", "false"));
        kafka.createTopic("samples", 1);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private record Result(int exit, String err) {}

    private static Result run(String... args) {
        StringWriter err = new StringWriter();
        int exit =
                Main.commandLine()
                        .setOut(new PrintWriter(new StringWriter(), true))
                        .setErr(new PrintWriter(err, true))
                        .execute(args);
        return new Result(exit, err.toString());
    }

    /** Exit 2 and one line on stderr that starts with the command and contains {@code text}. */
    private static void assertUsage(Result r, String command, String text) {
        assertThat(r.exit()).as(r.err()).isEqualTo(2);
        assertThat(r.err()).doesNotContain("\tat ");
        assertThat(r.err().lines().toList())
                .singleElement()
                .asString()
                .startsWith(command.isEmpty() ? "prunestream: " : "prunestream " + command + ": ")
                .contains(text);
    }

    /** The case through the real entry point in its own JVM: stderr as a user sees it. */
    @Test
    void jobWithAMissingDeadLetterTopicIsOneLineAndStatus2() throws Exception {
        Path err = tmp.resolve("job.err");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(JobProcess.jvmOptions("1g"));
        cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
        cmd.addAll(
                List.of(
                        "job",
                        "--bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--kafka.topic",
                        "samples",
                        "--kafka.dead-letter-topic",
                        "no-such-dlq",
                        "--output.dir",
                        tmp.resolve("job-out").toString(),
                        "--prune.metrics.port",
                        "0"));
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(err.toFile());
        pb.environment().putAll(JobProcess.ENV);
        Process p = pb.start();
        assertThat(p.waitFor(3, TimeUnit.MINUTES)).isTrue();
        String text = Files.readString(err, StandardCharsets.UTF_8);
        // the local launcher checks once (kafka.startup-timeout 0 unless set): one line
        List<String> lines = text.lines().toList();
        assertThat(lines).as(text).hasSize(1);
        assertUsage(new Result(p.exitValue(), lines.get(0)), "job", "kafka.dead-letter-topic");
        assertThat(p.exitValue()).isEqualTo(2);
        assertThat(text).doesNotContain("\tat ");
        assertThat(lines.get(0)).contains("no-such-dlq");
    }

    @Test
    void jobRefusesABadFileValueOrResumePointInOneLine() {
        String out = tmp.resolve("job-empty").toString();
        assertUsage(run("job", "--config", "nope.yaml"), "job", "nope.yaml");
        assertUsage(
                run(
                        "job",
                        "--bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--prune.batch-size",
                        "many"),
                "job",
                "prune.batch-size");
        assertUsage(
                run(
                        "job",
                        "--resume",
                        "--bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--output.dir",
                        out),
                "job",
                "--resume: no complete checkpoint or savepoint under");
        assertUsage(run("job", "--resume", out), "job", "no _metadata there");
        String model = tmp.resolve("no-such-model.onnx").toString();
        assertUsage(
                run(
                        "job",
                        "--bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--prune.model",
                        model,
                        "--output.dir",
                        out),
                "job",
                "config key 'prune.model' is '" + model + "': neither a built-in network");
    }

    @Test
    void produceRefusesABadCsvRowInOneLineNamingFileAndLine() throws Exception {
        Path csv = tmp.resolve("rows.csv");
        Files.writeString(csv, "x,y,label\n0.5,1,0\n0.5,oops,1\n");
        assertUsage(
                run(
                        "produce",
                        "--bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--topic",
                        "samples",
                        "--data",
                        "csv:" + csv),
                "produce",
                csv + ":3: column 1 ('oops') is not a number");
    }

    @Test
    void produceRefusesAMissingTopicAndABadValueInOneLine() {
        assertUsage(
                run("produce", "--bootstrap-servers", kafka.bootstrapServers(), "--topic", "nope"),
                "produce",
                "topic 'nope' does not exist on " + kafka.bootstrapServers());
        assertUsage(
                run(
                        "produce",
                        "--bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--topic",
                        "samples",
                        "--limit",
                        "abc"),
                "produce",
                "'abc' is not a whole number");
    }

    @Test
    void everyOtherCommandRefusesBadInputInOneLine() throws Exception {
        Path file = Files.writeString(tmp.resolve("a-file"), "x");
        assertUsage(run("demo", "--out", file.resolve("out").toString()), "demo", "--out " + file);
        assertUsage(
                run("experiment", "--finetune-iterations", "0"),
                "experiment",
                "--finetune-iterations");
        assertUsage(
                run("bench-train", "--nets", "alexnet"), "bench-train", "unknown net 'alexnet'");
        assertUsage(run("bench-stream", "--samples", "many"), "bench-stream", "'--samples'");
        assertUsage(run("chaos", "--samples", "many"), "chaos", "'--samples'");
        assertUsage(
                run("bench-checkpoint", "--models", "alexnet"),
                "bench-checkpoint",
                "unknown model 'alexnet'");
        assertUsage(run("soak", "--job", "prune.no-such-key=1"), "soak", "prune.no-such-key");
        assertUsage(
                run("soak", "--work-dir", file.resolve("w").toString(), "--minutes", "1"),
                "soak",
                "--work-dir " + file.resolve("w"));
        Result none = run();
        assertUsage(none, "", "no command given: name one of demo, experiment");
    }

    @Command(name = "bug")
    static final class Bug implements Callable<Integer> {
        @Override
        public Integer call() {
            throw new IllegalStateException("a bug");
        }
    }

    /** Anything but a usage error is a bug: status 1 and its stack trace. */
    @Test
    void aBugKeepsItsTraceAndStatus1() {
        StringWriter err = new StringWriter();
        int exit =
                Main.commandLine()
                        .addSubcommand(new CommandLine(new Bug()))
                        .setErr(new PrintWriter(err, true))
                        .execute("bug");
        assertThat(exit).isEqualTo(1);
        assertThat(err.toString()).contains("IllegalStateException: a bug").contains("\tat ");
    }
}
