package io.prunestream.apps.job;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.prunestream.connectors.producer.DatasetProducer;
import io.prunestream.connectors.producer.ProducerSettings;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.store.ModelStore;
import io.prunestream.testing.LocalKafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./prunestream job} started without {@code --resume} into an output folder that holds
 * another job's versions of its runs stops before the job starts: one line, status 2, the folders
 * left as they were.
 */
class LocalJobFreshStartITCase {

    @Test
    void aFreshStartIntoAnotherJobsOutputDirStopsWithOneLine(@TempDir Path tmp) throws Exception {
        try (LocalKafkaBroker kafka = LocalKafkaBroker.start(tmp.resolve("kafka"))) {
            kafka.createTopic("samples", 1);
            kafka.createTopic("dlq", 1);
            DatasetProducer.produce(
                    ProducerSettings.builder()
                            .setBootstrapServers(kafka.bootstrapServers())
                            .setTopic("samples")
                            .setDataset(Datasets.FASHION_MNIST)
                            .setSplit(Datasets.Split.TRAIN)
                            .setLimit(64)
                            .setSamplesPerRecord(8)
                            .build());
            Path out = tmp.resolve("out");
            assertThat(run(conf(kafka, out, "first")).exit()).isZero();
            Path r50 = out.resolve("r50");
            List<Path> versions = ModelStore.versions(r50);
            assertThat(versions).isNotEmpty();
            Path newest = versions.get(versions.size() - 1);
            Map<String, String> before = files(r50);

            Result second = run(conf(kafka, out, "second"));

            assertThat(second.exit()).isEqualTo(2);
            assertThat(second.console())
                    .containsExactly(
                            "prunestream job: output.dir "
                                    + out.toAbsolutePath()
                                    + " holds versions of run r50 from an earlier job (incarnation "
                                    + new ObjectMapper()
                                            .readTree(newest.resolve("report.json").toFile())
                                            .path("incarnation")
                                            .asText()
                                    + ", "
                                    + newest.getFileName()
                                    + "): use a new output.dir, or resume that job from its"
                                    + " checkpoint (./prunestream job --resume; flink run -s)");
            assertThat(files(r50)).isEqualTo(before);
        }
    }

    private static Configuration conf(LocalKafkaBroker kafka, Path out, String group) {
        Configuration c = new Configuration();
        c.setString("kafka.bootstrap-servers", kafka.bootstrapServers());
        c.setString("kafka.topic", "samples");
        c.setString("kafka.dead-letter-topic", "dlq");
        c.setString("kafka.group-id", group);
        c.setString("kafka.bounded", "true");
        c.setString("prune.runs", "r50");
        c.setString("prune.batch-size", "32");
        c.setString("eval.dataset", "none");
        c.setString("prune.metrics.port", "0");
        c.setString("prune.checkpoint.interval", "1 s");
        c.setString("output.dir", out.toString());
        return c;
    }

    private record Result(int exit, List<String> console) {}

    private static Result run(Configuration c) throws Exception {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit =
                LocalJob.run(c, null, false, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        System.out.println(String.join("\n", lines));
        return new Result(exit, lines);
    }

    /** Every file under {@code dir} by relative path, with its SHA-256. */
    private static Map<String, String> files(Path dir) throws Exception {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).toList()) {
                out.put(
                        dir.relativize(p).toString(),
                        HexFormat.of()
                                .formatHex(
                                        MessageDigest.getInstance("SHA-256")
                                                .digest(Files.readAllBytes(p))));
            }
        }
        return out;
    }
}
