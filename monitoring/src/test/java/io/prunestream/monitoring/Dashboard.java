package io.prunestream.monitoring;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/** The Grafana dashboard JSON, read for tests. */
final class Dashboard {

    final JsonNode root;

    private Dashboard(JsonNode root) {
        this.root = root;
    }

    static Dashboard load() throws IOException {
        return new Dashboard(
                new ObjectMapper().readTree(ModuleFiles.path(ModuleFiles.DASHBOARD).toFile()));
    }

    /** Panels, with those nested in collapsed rows, rows excluded. */
    List<JsonNode> panels() {
        List<JsonNode> out = new ArrayList<>();
        for (JsonNode p : root.path("panels")) {
            if ("row".equals(p.path("type").asText())) {
                p.path("panels").forEach(out::add);
            } else {
                out.add(p);
            }
        }
        return out;
    }

    /** Every PromQL expression of every panel target. */
    List<String> expressions() {
        List<String> out = new ArrayList<>();
        for (JsonNode p : panels()) {
            for (JsonNode t : p.path("targets")) {
                out.add(t.path("expr").asText());
            }
        }
        return out;
    }

    /**
     * An expression as Prometheus would get it from Grafana with every run and job selected and a
     * short rate interval.
     */
    static String substitute(String expr) {
        return expr.replace("$__rate_interval", "20s")
                .replace("$__interval", "5s")
                .replace("$__range", "1m")
                .replace("$namespace", ".*")
                .replace("$run", ".*")
                .replace("$flink_job", ".*");
    }
}
