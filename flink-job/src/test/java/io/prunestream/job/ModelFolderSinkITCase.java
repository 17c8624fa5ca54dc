package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.store.ModelStore;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.KafkaFlinkCluster;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.ExceptionUtils;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * The model-folder sink in the running job, against a real broker: a job started from scratch
 * refuses an output folder that holds another job's versions of its runs (instead of announcing
 * versions it then drops), and what an execution that died left in a run's staging folder is
 * removed, with a log line.
 */
class ModelFolderSinkITCase {
    private static final String TOPIC = "samples";
    private static final ObjectMapper JSON = new ObjectMapper();

    @RegisterExtension static final KafkaFlinkCluster CLUSTER = KafkaFlinkCluster.builder().build();

    @TempDir static Path tmp;

    @BeforeAll
    static void fill() {
        CLUSTER.createTopic(TOPIC, 1);
        CLUSTER.createTopic("dlq", 1);
        for (String t : List.of("models-a", "models-b", "models-c")) {
            CLUSTER.createTopic(t, 1);
        }
        FashionMnistTopic.fill(CLUSTER.bootstrapServers(), TOPIC, Datasets.Split.TRAIN, 320, 8);
    }

    /** A bounded one-run job of 10 steps that publishes v0001 to v0003 and a final version. */
    private static Configuration conf(Path out, String modelTopic, String group) {
        Configuration c =
                JobConfig.fromYaml(
                        """
                        kafka.topic: samples
                        kafka.dead-letter-topic: dlq
                        kafka.bounded: true
                        prune.runs: r50
                        prune.batch-size: 32
                        prune.warmup: 2
                        prune.penalty.interval: 1
                        prune.penalty.delta: 0.5
                        prune.penalty.stabilize: 1
                        prune.publish.interval: 2
                        prune.eval.interval: 0
                        eval.dataset: none
                        prune.metrics.port: 0
                        prune.checkpoint.interval: 1 s
                        prune.restart.delay: 100 ms
                        """);
        c.setString("kafka.bootstrap-servers", CLUSTER.bootstrapServers());
        c.setString("kafka.model-topic", modelTopic);
        c.setString("kafka.group-id", group);
        c.setString("output.dir", out.toString());
        return c;
    }

    private static void run(Configuration conf, String name) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        PruneJob.build(env, conf, false);
        env.execute(name);
    }

    @Test
    void aFreshJobRefusesAnOutputDirHoldingAnotherJobsVersionsAndLeavesThemAlone()
            throws Exception {
        Path out = tmp.resolve("shared");
        run(conf(out, "models-a", "job-a"), "job-a");
        Path r50 = out.resolve("r50");
        Map<String, String> before = files(r50);
        List<Path> versions = ModelStore.versions(r50);
        assertThat(versions).hasSizeGreaterThanOrEqualTo(2);
        Path newest = versions.get(versions.size() - 1);
        String incarnationA = report(newest).path("incarnation").asText();

        Throwable refused = failureOf(() -> run(conf(out, "models-b", "job-b"), "job-b"));

        // before incarnations, job B ran: it announced its versions and the committer dropped
        // every one of them, since a folder of that number (job A's) existed
        List<JsonNode> announcedByB = announcements("models-b");
        for (JsonNode v : announcedByB) {
            assertThat(report(Path.of(v.get("path").asText())).path("createdAt").asText())
                    .as(
                            "%s announced by job B: output.dir must hold that model, not another",
                            v.get("path").asText())
                    .isEqualTo(v.path("report").path("createdAt").asText());
        }
        assertThat(refused).as("job B, started from scratch into job A's output.dir").isNotNull();
        String line =
                ExceptionUtils.findThrowableWithMessage(refused, "holds versions of run r50")
                        .orElseThrow(() -> new AssertionError("no refusal in", refused))
                        .getMessage();
        assertThat(line)
                .isEqualTo(
                        "output.dir "
                                + out.toAbsolutePath()
                                + " holds versions of run r50 from an earlier job (incarnation "
                                + incarnationA
                                + ", "
                                + newest.getFileName()
                                + "): use a new output.dir, or resume that job from its"
                                + " checkpoint (./prunestream job --resume; flink run -s)");
        assertThat(announcedByB).as("versions announced by the refused job").isEmpty();
        assertThat(files(r50)).as("job A's folders, untouched").isEqualTo(before);

        // every version of job A names its incarnation, in report.json and its announcement
        assertThat(incarnationA).hasSize(36);
        for (Path v : versions) {
            assertThat(report(v).path("incarnation").asText()).isEqualTo(incarnationA);
        }
        assertThat(announcements("models-a"))
                .isNotEmpty()
                .allSatisfy(
                        v -> {
                            assertThat(v.path("incarnation").asText()).isEqualTo(incarnationA);
                            assertThat(v.path("report").path("incarnation").asText())
                                    .isEqualTo(incarnationA);
                        });
    }

    @Test
    void whatADeadExecutionLeftInTheStagingFolderIsRemovedAndLogged() throws Exception {
        Path out = tmp.resolve("orphans");
        Path staging = out.resolve("r50").resolve(".staging");
        // a save cut short (ModelStore's temporary folder) and a version staged, never committed
        Path cutShort = Files.createDirectories(staging.resolve(".v0002.tmp4711"));
        Files.write(cutShort.resolve("model.zip"), new byte[] {'P', 'K'});
        Path neverCommitted = Files.createDirectories(staging.resolve("v0099"));
        Files.write(neverCommitted.resolve("model.zip"), new byte[] {'P', 'K'});
        Files.writeString(neverCommitted.resolve("report.json"), "{}");

        String log = stderrOf(() -> run(conf(out, "models-c", "job-c"), "job-c"));

        try (Stream<Path> left = Files.list(staging)) {
            assertThat(left.map(p -> p.getFileName().toString()))
                    .as("left in %s", staging)
                    .isEmpty();
        }
        assertThat(ModelStore.versions(out.resolve("r50")))
                .isNotEmpty()
                .noneMatch(v -> v.endsWith("v0099"));
        assertThat(log.lines().filter(l -> l.contains("removed 2 folders left in " + staging)))
                .singleElement()
                .asString()
                .contains("[.v0002.tmp4711, v0099]");
    }

    /** Every file under {@code dir} (outside staging), by relative path, with its SHA-256. */
    private static Map<String, String> files(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                String rel = dir.relativize(p).toString();
                if (!rel.startsWith(".staging")) {
                    out.put(
                            rel,
                            HexFormat.of()
                                    .formatHex(
                                            MessageDigest.getInstance("SHA-256")
                                                    .digest(Files.readAllBytes(p))));
                }
            }
        }
        return out;
    }

    private static JsonNode report(Path version) throws IOException {
        return JSON.readTree(version.resolve("report.json").toFile());
    }

    private static List<JsonNode> announcements(String topic) throws IOException {
        List<JsonNode> out = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : CLUSTER.readCommitted(topic, 0)) {
            out.add(JSON.readTree(r.value()));
        }
        return out;
    }

    private static Throwable failureOf(ThrowingRunnable job) {
        try {
            job.run();
            return null;
        } catch (Exception e) {
            return e;
        }
    }

    /** What {@code job} wrote to standard error (where the tests' logger writes) meanwhile. */
    private static String stderrOf(ThrowingRunnable job) throws Exception {
        PrintStream err = System.err;
        ByteArrayOutputStream copy = new ByteArrayOutputStream();
        System.setErr(
                new PrintStream(
                        new OutputStream() {
                            @Override
                            public synchronized void write(int b) {
                                err.write(b);
                                copy.write(b);
                            }

                            @Override
                            public synchronized void write(byte[] b, int off, int len) {
                                err.write(b, off, len);
                                copy.write(b, off, len);
                            }
                        },
                        true,
                        StandardCharsets.UTF_8));
        try {
            job.run();
        } finally {
            System.setErr(err);
        }
        return copy.toString(StandardCharsets.UTF_8);
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }
}
