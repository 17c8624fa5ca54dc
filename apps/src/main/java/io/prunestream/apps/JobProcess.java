package io.prunestream.apps;

import io.prunestream.testing.ChildJvm;
import io.prunestream.testing.LocalFiles;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code ./prunestream job} in a child JVM, as chaos, soak and bench-checkpoint start it: the
 * launcher's JVM options, so that the child runs the same fast CPU path and logs the same lines.
 */
public final class JobProcess {
    /** OpenMP reads this at process start; busy-waiting threads would steal the other core. */
    public static final Map<String, String> ENV = Map.of("OMP_WAIT_POLICY", "PASSIVE");

    private JobProcess() {}

    /** The launcher's JVM options with this heap (e.g. "2g"). */
    public static List<String> jvmOptions(String heap) {
        return List.of(
                "-Xmx" + heap,
                "-Dorg.bytedeco.javacpp.platform.extension=-onednn",
                "-Dorg.eclipse.deeplearning4j.helpers.disable=false",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Dorg.slf4j.simpleLogger.log.io.prunestream=info",
                "-Dorg.slf4j.simpleLogger.log.org.apache.flink=error",
                "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=error");
    }

    /** Starts {@code job <args>} with this heap, in {@code dir}, appending to {@code log}. */
    public static Process start(Path dir, String heap, List<String> args, Path log)
            throws IOException {
        List<String> all = new ArrayList<>(List.of("job"));
        all.addAll(args);
        return ChildJvm.start(dir, jvmOptions(heap), ENV, Main.class.getName(), all, log);
    }

    /** A port free now (the child binds it a moment later; a clash fails the start visibly). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /**
     * Polls the child job's metrics endpoint until run {@code run} has reached {@code iteration}
     * (its {@code prunestream.train.iteration} gauge); returns where it was. Fails with the end of
     * the job's log when the job ends first or the time runs out.
     */
    public static long waitForIteration(
            Process job, int metricsPort, String run, long iteration, Duration timeout, Path log)
            throws IOException, InterruptedException {
        Pattern gauge =
                Pattern.compile(
                        "prunestream_train_iteration\\{[^}]*run=\""
                                + Pattern.quote(run)
                                + "\"[^}]*\\} ([0-9.eE+-]+)");
        HttpRequest request =
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + metricsPort + "/metrics"))
                        .timeout(Duration.ofSeconds(2))
                        .build();
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (!job.isAlive()) {
                throw new IllegalStateException(
                        "the job ended (exit "
                                + job.exitValue()
                                + ") before run "
                                + run
                                + " reached iteration "
                                + iteration
                                + "; the end of "
                                + log
                                + ":\n"
                                + LocalFiles.tail(log, 15));
            }
            try {
                String body =
                        http.send(
                                        request,
                                        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8))
                                .body();
                Matcher m = gauge.matcher(body);
                if (m.find() && Double.parseDouble(m.group(1)) >= iteration) {
                    return (long) Double.parseDouble(m.group(1));
                }
            } catch (IOException notYet) {
                // the endpoint starts with the first training step
            }
            Thread.sleep(100);
        }
        throw new IllegalStateException(
                "run "
                        + run
                        + " did not reach iteration "
                        + iteration
                        + " in "
                        + timeout
                        + "; the end of "
                        + log
                        + ":\n"
                        + LocalFiles.tail(log, 15));
    }
}
