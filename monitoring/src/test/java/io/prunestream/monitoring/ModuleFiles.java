package io.prunestream.monitoring;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of this module (dashboards, rules, README), found from Maven's basedir. */
final class ModuleFiles {

    private ModuleFiles() {}

    static Path path(String relative) {
        Path base = Path.of(System.getProperty("basedir", "."));
        Path p = base.resolve(relative);
        if (!Files.exists(p) && Files.exists(Path.of("monitoring").resolve(relative))) {
            p = Path.of("monitoring").resolve(relative); // run from the repository root
        }
        if (!Files.exists(p)) {
            throw new IllegalStateException(
                    relative
                            + " not found under "
                            + base.toAbsolutePath()
                            + "; run from monitoring/");
        }
        return p;
    }

    static final String DASHBOARD = "grafana/prunestream-dashboard.json";
    static final String ALERTS = "prometheus/alerts.yml";
    static final String ALERTS_TEST = "prometheus/alerts-test.yml";
    static final String PROMETHEUS_CONFIG = "prometheus/prometheus.yml";
    static final String README = "README.md";
}
