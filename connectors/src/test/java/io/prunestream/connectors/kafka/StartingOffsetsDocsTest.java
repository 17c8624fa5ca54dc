package io.prunestream.connectors.kafka;

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
import org.apache.flink.api.connector.source.Boundedness;
import org.junit.jupiter.api.Test;

/**
 * Every starting-offsets value written in the repository's docs and in {@code k8s/} goes through
 * the parser and the builder the job uses, so a documented value cannot fail at start ({@code
 * committed} in {@code k8s/base/job.yaml} once did).
 */
class StartingOffsetsDocsTest {
    private static final Path ROOT = Path.of("..");

    /** {@code starting-offsets: committed} in YAML, and the same inline in Markdown. */
    private static final Pattern YAML = Pattern.compile("starting-offsets:\\s*([A-Za-z_-]+)");

    /** The README's configuration row: its default and the values its description lists. */
    private static final Pattern TABLE_ROW =
            Pattern.compile("\\| `kafka\\.starting-offsets` \\| `([^`]*)` \\| ([^|(]*)");

    /** {@code StartingOffsets.COMMITTED} in Java examples. */
    private static final Pattern CONSTANT = Pattern.compile("StartingOffsets\\.([A-Z_]+)");

    @Test
    void everyDocumentedValueBuildsTheSource() throws IOException {
        Map<String, Set<String>> values = documentedValues(); // value -> where it was found
        assertThat(values).containsKeys("committed", "earliest", "latest");
        assertThat(values.get("committed")).contains("k8s/base/job.yaml", "README.md");

        for (Map.Entry<String, Set<String>> e : values.entrySet()) {
            String v = e.getKey();
            TrainingSource.StartingOffsets parsed =
                    v.equals(v.toUpperCase())
                            ? TrainingSource.StartingOffsets.valueOf(v)
                            : TrainingSource.StartingOffsets.parse(v);
            assertThat(
                            TrainingSource.builder()
                                    .setBootstrapServers("localhost:9092")
                                    .setTopics("t")
                                    .setGroupId("g")
                                    .setStartingOffsets(parsed)
                                    .setExpectedSampleShape(1, 28, 28)
                                    .setClasses(10)
                                    .build()
                                    .getBoundedness())
                    .as("source built for '%s' from %s", v, e.getValue())
                    .isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
        }
    }

    static Map<String, Set<String>> documentedValues() throws IOException {
        Map<String, Set<String>> found = new TreeMap<>();
        for (Path f : docs()) {
            String where = ROOT.relativize(f).toString().replace('\\', '/');
            String text = Files.readString(f);
            for (Matcher m = YAML.matcher(text); m.find(); ) {
                found.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(where);
            }
            for (Matcher m = CONSTANT.matcher(text); m.find(); ) {
                found.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(where);
            }
            for (Matcher m = TABLE_ROW.matcher(text); m.find(); ) {
                found.computeIfAbsent(m.group(1), k -> new TreeSet<>()).add(where);
                for (String w : m.group(2).split(",|\\bor\\b")) {
                    String value = w.strip().replaceAll("\\.$", "");
                    if (!value.isEmpty()) {
                        found.computeIfAbsent(value, k -> new TreeSet<>()).add(where);
                    }
                }
            }
        }
        return found;
    }

    /** Markdown anywhere in the repository, YAML under k8s/ (build output and .git left out). */
    private static List<Path> docs() throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(ROOT)) {
            s.filter(Files::isRegularFile)
                    .filter(
                            p -> {
                                String r = ROOT.relativize(p).toString().replace('\\', '/');
                                return !r.contains("/target/")
                                        && !r.startsWith(".")
                                        && (r.endsWith(".md")
                                                || (r.startsWith("k8s/")
                                                        && (r.endsWith(".yaml")
                                                                || r.endsWith(".yml"))));
                            })
                    .forEach(out::add);
        }
        return new ArrayList<>(new TreeSet<>(out));
    }
}
