package io.prunestream.apps.chaos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The CI-sized crash-proof scenario (the full one is {@code ./prunestream chaos}): the job in a
 * child JVM killed with SIGKILL three times and resumed, the broker stopped for 15 s; the published
 * versions equal an uninterrupted run's bit for bit, nothing is trained twice or lost, and the
 * model and dead-letter topics hold no duplicates.
 */
class ChaosITCase {

    @Test
    void killsAndAnOutageChangeNothing(@TempDir Path dir) throws Exception {
        List<Chaos.Check> checks =
                Chaos.run(new Chaos.Settings(3000, 8, Duration.ofSeconds(15), dir), System.out);
        assertThat(checks).hasSizeGreaterThanOrEqualTo(9);
        assertThat(checks)
                .allSatisfy(c -> assertThat(c.ok()).as(c.name() + ": " + c.figure()).isTrue());
    }
}
