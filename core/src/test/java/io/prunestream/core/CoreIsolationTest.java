package io.prunestream.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * core is the method alone: no source file may import Flink or Kafka (the enforcer rule in
 * core/pom.xml bans the dependencies; this catches a class reached by reflection or a stray import
 * of a transitive copy).
 */
class CoreIsolationTest {
    @Test
    void coreSourcesImportNoFlinkOrKafka() throws IOException {
        Path src = Path.of("src/main/java");
        assertThat(src).isDirectory();
        List<String> offenders;
        try (Stream<Path> files = Files.walk(src)) {
            offenders =
                    files.filter(p -> p.toString().endsWith(".java"))
                            .filter(CoreIsolationTest::mentionsStreaming)
                            .map(Path::toString)
                            .toList();
        }
        assertThat(offenders).isEmpty();
    }

    private static boolean mentionsStreaming(Path p) {
        try {
            String s = Files.readString(p);
            return s.contains("org.apache.flink") || s.contains("org.apache.kafka");
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
