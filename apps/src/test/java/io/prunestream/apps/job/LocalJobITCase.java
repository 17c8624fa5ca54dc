package io.prunestream.apps.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.config.UsageException;
import io.prunestream.testing.LocalKafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.configuration.Configuration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user sees on the console when the local job fails. */
class LocalJobITCase {
    @TempDir static Path tmp;
    static LocalKafkaBroker kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka = LocalKafkaBroker.start(tmp.resolve("kafka"));
        kafka.createTopic("samples", 1);
        kafka.createTopic("dlq", 1);
        kafka.createTopic("empty-held-out", 1);
    }

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static Configuration conf(String name) {
        Configuration c = new Configuration();
        c.setString("kafka.bootstrap-servers", kafka.bootstrapServers());
        c.setString("kafka.topic", "samples");
        c.setString("kafka.dead-letter-topic", "dlq");
        c.setString("kafka.group-id", name);
        c.setString("prune.metrics.port", "0");
        c.setString("output.dir", tmp.resolve(name).toString());
        return c;
    }

    /**
     * Flink's failure-rate strategy restarts the job after each of the first {@code
     * prune.restart.max-failures} failures within the interval; the next one ends it: max-failures
     * + 1 failures, each in the exception history once. The restarts come faster than the watcher
     * reads (every 500 ms), so failures that fall between two reads must still print one line each.
     */
    @Test
    void everyFailureInTheExceptionHistoryPrintsOneLineAndTheJobEndsAtTheLimit() throws Exception {
        // an empty held-out topic fails the trainer in open(), on every attempt
        int maxFailures = 4;
        Configuration c = conf("failing");
        c.setString("eval.topic", "empty-held-out");
        c.setString("prune.restart.max-failures", Integer.toString(maxFailures));
        c.setString("prune.restart.delay", "10 ms");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit =
                LocalJob.run(c, null, false, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        System.out.println(String.join("\n", lines));
        assertThat(exit).isEqualTo(1);
        List<String> failures =
                lines.stream().filter(l -> l.startsWith("prunestream job: failure")).toList();
        int expected = maxFailures + 1;
        assertThat(failures).hasSize(expected);
        for (int i = 0; i < expected; i++) {
            assertThat(failures.get(i))
                    .startsWith("prunestream job: failure " + (i + 1) + " ")
                    .contains("java.lang.IllegalStateException")
                    .contains("eval.topic 'empty-held-out' holds no valid");
        }
        // the last line gives the size of Flink's exception history: one line per entry
        assertThat(lines.get(lines.size() - 1))
                .startsWith(
                        "prunestream job: FAILED after "
                                + expected
                                + " failures (the job's exception history):"
                                + " java.lang.IllegalStateException: eval.topic");
        assertThat(Files.readString(tmp.resolve("failing/jobs").toFile().listFiles()[0].toPath()))
                .contains("\"FAILED\"");
    }

    @Test
    void aTakenMetricsPortStopsTheJobBeforeItStarts() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            Configuration c = conf("port");
            c.setString("prune.metrics.port", Integer.toString(taken.getLocalPort()));
            c.setString("prune.metrics.bind-address", "127.0.0.1");
            assertThatThrownBy(() -> LocalJob.run(c, null, false, System.out))
                    .isInstanceOf(UsageException.class)
                    .hasMessageContaining("metrics port " + taken.getLocalPort())
                    .hasMessageContaining("prune.metrics.port-conflict: fallback");
        }
    }
}
