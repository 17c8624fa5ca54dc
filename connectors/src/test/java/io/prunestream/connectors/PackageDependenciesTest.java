package io.prunestream.connectors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The module's packages depend on each other one way only: typeinfo ← record ← kafka, producer.
 * Read from the sources (imports and qualified names), so a new cyclic reference fails here.
 */
class PackageDependenciesTest {
    private static final Path MAIN = Path.of("src/main/java/io/prunestream/connectors");
    private static final Pattern OURS =
            Pattern.compile("io\\.prunestream\\.connectors\\.(\\w+)\\.");

    @Test
    void packagesFormNoCycle() throws IOException {
        Map<String, Set<String>> deps = dependencies();
        assertThat(deps).containsKeys("typeinfo", "record", "kafka", "producer");
        assertThat(deps.get("typeinfo")).as("typeinfo depends on").isEmpty();
        assertThat(deps.get("record")).as("record depends on").containsOnly("typeinfo");
        for (String p : deps.keySet()) {
            assertThat(reachable(deps, p)).as("packages reachable from %s", p).doesNotContain(p);
        }
    }

    /** Package → the other packages of this module its main sources name. */
    static Map<String, Set<String>> dependencies() throws IOException {
        Map<String, Set<String>> deps = new TreeMap<>();
        List<Path> files;
        try (Stream<Path> s = Files.walk(MAIN)) {
            files = s.filter(f -> f.toString().endsWith(".java")).toList();
        }
        for (Path f : files) {
            String pkg = MAIN.relativize(f).getName(0).toString();
            Set<String> own = deps.computeIfAbsent(pkg, k -> new TreeSet<>());
            Matcher m = OURS.matcher(Files.readString(f));
            while (m.find()) {
                if (!m.group(1).equals(pkg)) {
                    own.add(m.group(1));
                }
            }
        }
        return deps;
    }

    private static Set<String> reachable(Map<String, Set<String>> deps, String from) {
        Set<String> seen = new TreeSet<>();
        List<String> todo = new ArrayList<>(deps.getOrDefault(from, Set.of()));
        while (!todo.isEmpty()) {
            String p = todo.remove(todo.size() - 1);
            if (seen.add(p)) {
                todo.addAll(deps.getOrDefault(p, Set.of()));
            }
        }
        return seen;
    }
}
