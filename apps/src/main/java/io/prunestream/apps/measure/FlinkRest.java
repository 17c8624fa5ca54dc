package io.prunestream.apps.measure;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Optional;

/**
 * Reads a running job's checkpoint statistics and operator metrics from Flink's REST API (the one a
 * mini cluster serves on {@code rest.bind-port}), so a measurement sees exactly what the JobManager
 * counted. Operator metrics are as fresh as {@code metrics.fetcher.update-interval}.
 */
public final class FlinkRest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String base;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    public FlinkRest(int port) {
        this.base = "http://127.0.0.1:" + port;
    }

    /** A completed checkpoint as the JobManager reports it. */
    public record Checkpoint(
            long id,
            long stateSize,
            long checkpointedSize,
            long durationMs,
            long completed,
            long failed,
            String path) {

        /** From a checkpoint's REST entry and the job's checkpoint counts. */
        static Checkpoint of(JsonNode c, JsonNode counts) {
            return new Checkpoint(
                    c.path("id").asLong(),
                    c.path("state_size").asLong(),
                    c.path("checkpointed_size").asLong(),
                    c.path("end_to_end_duration").asLong(),
                    counts.path("completed").asLong(),
                    counts.path("failed").asLong(),
                    c.path("external_path").asText());
        }
    }

    /** Where the trainer's task spent a checkpoint: start delay, sync part, async part (ms). */
    public record TaskTimes(long startDelayMs, long syncMs, long asyncMs, long stateSize) {}

    /** The id of the one job that is not finished, if the cluster answers and has one. */
    public Optional<String> runningJob() {
        JsonNode jobs = get("/jobs/overview").map(n -> n.path("jobs")).orElse(null);
        if (jobs == null) {
            return Optional.empty();
        }
        for (JsonNode j : jobs) {
            String state = j.path("state").asText();
            if (!state.equals("FINISHED") && !state.equals("CANCELED") && !state.equals("FAILED")) {
                return Optional.of(j.path("jid").asText());
            }
        }
        return Optional.empty();
    }

    /** The newest completed checkpoint of {@code job}, if any. */
    public Optional<Checkpoint> latestCheckpoint(String job) {
        return checkpoints(job)
                .flatMap(
                        n ->
                                present(n.path("latest").path("completed"))
                                        .map(c -> Checkpoint.of(c, n.path("counts"))));
    }

    /** The newest failed checkpoint of {@code job} as "id: reason", if any. */
    public Optional<String> latestFailure(String job) {
        return checkpoints(job)
                .flatMap(n -> present(n.path("latest").path("failed")))
                .map(f -> f.path("id").asLong() + ": " + f.path("failure_message").asText());
    }

    private Optional<JsonNode> checkpoints(String job) {
        return get("/jobs/" + job + "/checkpoints");
    }

    private static Optional<JsonNode> present(JsonNode n) {
        return n.isMissingNode() || n.isNull() ? Optional.empty() : Optional.of(n);
    }

    /**
     * The id of the job vertex whose name contains {@code operator} (a chain lists its operators).
     */
    public Optional<String> vertex(String job, String operator) {
        return get("/jobs/" + job)
                .flatMap(
                        n -> {
                            for (JsonNode v : n.path("vertices")) {
                                if (v.path("name").asText().contains(operator)) {
                                    return Optional.of(v.path("id").asText());
                                }
                            }
                            return Optional.empty();
                        });
    }

    /** Subtask 0's times in checkpoint {@code checkpointId} for the vertex {@code vertex}. */
    public Optional<TaskTimes> taskTimes(String job, long checkpointId, String vertex) {
        return get("/jobs/" + job + "/checkpoints/details/" + checkpointId + "/subtasks/" + vertex)
                .flatMap(
                        n -> {
                            for (JsonNode s : n.path("subtasks")) {
                                if (s.path("index").asInt() == 0 && s.has("checkpoint")) {
                                    return Optional.of(
                                            new TaskTimes(
                                                    s.path("start_delay").asLong(),
                                                    s.path("checkpoint").path("sync").asLong(),
                                                    s.path("checkpoint").path("async").asLong(),
                                                    s.path("state_size").asLong()));
                                }
                            }
                            return Optional.empty();
                        });
    }

    /**
     * A metric of subtask 0 of {@code vertex} whose name ends with {@code .name} (operator metrics
     * are {@code <subtask>.<operator>.<name>}).
     */
    public Optional<Double> metric(String job, String vertex, String operator, String name) {
        String id = "0." + operator + "." + name;
        return get("/jobs/" + job + "/vertices/" + vertex + "/metrics?get=" + id)
                .flatMap(
                        n -> {
                            for (JsonNode m : n) {
                                if (m.path("id").asText().equals(id)) {
                                    return Optional.of(m.path("value").asDouble());
                                }
                            }
                            return Optional.empty();
                        });
    }

    private Optional<JsonNode> get(String path) {
        try {
            HttpResponse<String> r =
                    http.send(
                            HttpRequest.newBuilder(URI.create(base + path))
                                    .timeout(Duration.ofSeconds(5))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? Optional.of(JSON.readTree(r.body())) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty(); // not up yet, or gone: the caller polls again
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
