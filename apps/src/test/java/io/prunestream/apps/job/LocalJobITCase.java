package io.prunestream.apps.job;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.testing.LocalKafkaBroker;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
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

    @Test
    void everyTaskFailureShowsItsRootCauseInOneLineAndTheJobStopsAfterItsRestarts()
            throws Exception {
        // an empty held-out topic fails the trainer in open(), on every attempt
        Configuration c = conf("failing");
        c.setString("eval.topic", "empty-held-out");
        c.setString("prune.restart.max-failures", "2");
        c.setString("prune.restart.delay", "100 ms");
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int exit =
                LocalJob.run(c, null, false, new PrintStream(bytes, true, StandardCharsets.UTF_8));
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        System.out.println(String.join("\n", lines));
        assertThat(exit).isEqualTo(1);
        List<String> failures =
                lines.stream().filter(l -> l.startsWith("prunestream job: failure")).toList();
        assertThat(failures).hasSizeGreaterThanOrEqualTo(2);
        assertThat(failures)
                .allSatisfy(
                        l ->
                                assertThat(l)
                                        .contains("java.lang.IllegalStateException")
                                        .contains("eval.topic 'empty-held-out' holds no valid"));
        assertThat(lines.get(lines.size() - 1))
                .startsWith("prunestream job: FAILED: java.lang.IllegalStateException: eval.topic");
    }

    @Test
    void aTakenMetricsPortStopsTheJobBeforeItStarts() throws Exception {
        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress("127.0.0.1", 0));
            Configuration c = conf("port");
            c.setString("prune.metrics.port", Integer.toString(taken.getLocalPort()));
            c.setString("prune.metrics.bind-address", "127.0.0.1");
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            int exit =
                    LocalJob.run(
                            c, null, false, new PrintStream(bytes, true, StandardCharsets.UTF_8));
            assertThat(exit).isEqualTo(2);
            assertThat(bytes.toString(StandardCharsets.UTF_8))
                    .contains("metrics port " + taken.getLocalPort())
                    .contains("prune.metrics.port-conflict: fallback");
        }
    }
}
