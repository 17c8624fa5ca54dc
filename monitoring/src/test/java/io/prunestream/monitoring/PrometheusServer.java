package io.prunestream.monitoring;

import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Prometheus server as a child process on loopback, for tests: temp directory, generated
 * {@code prometheus.yml}, random port, waits for {@code /-/ready}, killed on {@link #close()}.
 *
 * <p>The binary is {@code /usr/bin/prometheus} (Debian package {@code prometheus}; CI installs it),
 * or the path in {@code -Dprunestream.prometheus=...}. Tests are skipped, with a message saying so,
 * only when that binary is absent.
 */
public final class PrometheusServer implements AutoCloseable {

    static final Path BINARY =
            Path.of(System.getProperty("prunestream.prometheus", "/usr/bin/prometheus"));
    static final Path PROMTOOL =
            Path.of(System.getProperty("prunestream.promtool", "/usr/bin/promtool"));

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    private final Process process;
    private final Path dir;
    private final URI base;
    private final Thread killOnExit;

    private PrometheusServer(Process process, Path dir, URI base) {
        this.process = process;
        this.dir = dir;
        this.base = base;
        // If the test JVM is stopped before close(), do not leave Prometheus running.
        this.killOnExit = new Thread(process::destroyForcibly);
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    /** Skips the calling test when the Prometheus binary is not installed. */
    static void assumeInstalled() {
        assumeTrue(
                Files.isExecutable(BINARY),
                "Prometheus not found at "
                        + BINARY
                        + ": install it (apt-get install prometheus) or pass"
                        + " -Dprunestream.prometheus=/path/to/prometheus; skipping");
    }

    /**
     * Starts Prometheus scraping {@code targets} (host:port, path /metrics) every second and
     * evaluating {@code ruleFiles} every second.
     */
    public static PrometheusServer start(List<String> targets, List<Path> ruleFiles)
            throws IOException, InterruptedException {
        assumeInstalled();
        Path dir = Files.createTempDirectory("prunestream-prometheus-");
        String config =
                "global:\n"
                        + "  scrape_interval: 1s\n"
                        + "  scrape_timeout: 1s\n"
                        + "  evaluation_interval: 1s\n"
                        + "rule_files:\n"
                        + ruleFiles.stream()
                                .map(p -> "  - '" + p.toAbsolutePath() + "'\n")
                                .collect(Collectors.joining())
                        + "scrape_configs:\n"
                        + "  - job_name: prunestream\n"
                        + "    static_configs:\n"
                        + "      - targets: ["
                        + targets.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", "))
                        + "]\n";
        Path configFile = Files.writeString(dir.resolve("prometheus.yml"), config);
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            Path log = dir.resolve("prometheus-" + attempt + ".log");
            Process p =
                    new ProcessBuilder(
                                    BINARY.toString(),
                                    "--config.file=" + configFile,
                                    "--storage.tsdb.path=" + dir.resolve("data"),
                                    "--web.listen-address=127.0.0.1:" + port,
                                    "--log.level=warn")
                            .redirectErrorStream(true)
                            .redirectOutput(log.toFile())
                            .start();
            PrometheusServer server =
                    new PrometheusServer(p, dir, URI.create("http://127.0.0.1:" + port));
            try {
                server.awaitReady(Duration.ofSeconds(30), log);
                return server;
            } catch (IOException e) {
                // Most likely another process took the port between freePort() and bind.
                server.stopProcess();
                last = e;
            }
        }
        deleteTree(dir);
        throw last;
    }

    public URI base() {
        return base;
    }

    /** {@code /api/v1/query}: the {@code data.result} array. */
    public JsonNode query(String promql) throws IOException, InterruptedException {
        return api("/api/v1/query", Map.of("query", promql)).path("data").path("result");
    }

    /** {@code /api/v1/query_range}: the {@code data.result} matrix. */
    public JsonNode queryRange(String promql, Instant start, Instant end, Duration step)
            throws IOException, InterruptedException {
        Map<String, String> params = new LinkedHashMap<>();
        params.put("query", promql);
        params.put("start", String.valueOf(start.getEpochSecond()));
        params.put("end", String.valueOf(end.getEpochSecond() + 1));
        params.put("step", step.toSeconds() + "s");
        return api("/api/v1/query_range", params).path("data").path("result");
    }

    /** A GET on the HTTP API; fails with Prometheus' error text unless status is success. */
    public JsonNode api(String path, Map<String, String> params)
            throws IOException, InterruptedException {
        String query =
                params.entrySet().stream()
                        .map(
                                e ->
                                        e.getKey()
                                                + "="
                                                + URLEncoder.encode(
                                                        e.getValue(), StandardCharsets.UTF_8))
                        .collect(Collectors.joining("&"));
        URI uri = base.resolve(path + (query.isEmpty() ? "" : "?" + query));
        HttpResponse<String> r =
                HTTP.send(
                        HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofString());
        JsonNode body = JSON.readTree(r.body());
        if (!"success".equals(body.path("status").asText())) {
            throw new IOException(
                    "Prometheus "
                            + path
                            + " "
                            + params
                            + " failed ("
                            + r.statusCode()
                            + "): "
                            + r.body());
        }
        return body;
    }

    /** Polls an instant query until its result satisfies {@code done}. */
    public JsonNode awaitQuery(String promql, Predicate<JsonNode> done, Duration timeout)
            throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        JsonNode last;
        do {
            last = query(promql);
            if (done.test(last)) {
                return last;
            }
            Thread.sleep(200);
        } while (System.nanoTime() < deadline);
        throw new AssertionError(
                "Prometheus query "
                        + promql
                        + " not satisfied after "
                        + timeout
                        + "; last: "
                        + last
                        + "\nlog:\n"
                        + logTail());
    }

    /** The single sample value of an instant vector result, NaN if empty. */
    static double scalar(JsonNode result) {
        if (result.size() == 0) {
            return Double.NaN;
        }
        return Double.parseDouble(result.get(0).path("value").get(1).asText());
    }

    /** The values of one series of a range result. */
    static List<Double> values(JsonNode series) {
        List<Double> out = new ArrayList<>();
        series.path("values").forEach(v -> out.add(Double.parseDouble(v.get(1).asText())));
        return out;
    }

    String logTail() {
        try (Stream<Path> logs = Files.list(dir)) {
            StringBuilder sb = new StringBuilder();
            for (Path log : logs.filter(p -> p.toString().endsWith(".log")).toList()) {
                List<String> lines = Files.readAllLines(log);
                lines.subList(Math.max(0, lines.size() - 40), lines.size())
                        .forEach(l -> sb.append(l).append('\n'));
            }
            return sb.toString();
        } catch (IOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        stopProcess();
        deleteTree(dir);
    }

    private void stopProcess() throws InterruptedException {
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        process.destroy();
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }

    private void awaitReady(Duration timeout, Path log) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        HttpRequest ready =
                HttpRequest.newBuilder(base.resolve("/-/ready"))
                        .timeout(Duration.ofSeconds(2))
                        .build();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IOException(
                        "prometheus exited with "
                                + process.exitValue()
                                + " before it was ready:\n"
                                + Files.readString(log));
            }
            try {
                if (HTTP.send(ready, HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            }
            Thread.sleep(100);
        }
        throw new IOException(
                "prometheus not ready after " + timeout + ":\n" + Files.readString(log));
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
