package io.prunestream.job;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A folder laid out like a container of the prunestream image: {@code opt/flink/lib} (Flink's jars
 * and the image's lib/ jars), {@code opt/flink/usrlib} and {@code opt/flink/plugins} (the image's),
 * {@code usr/local/bin/prunestream-entrypoint.sh}, and one folder per volume mount. {@link
 * #map(String)} turns the absolute paths a manifest names into paths under it.
 */
final class ImageRoot {
    /** Where the Dockerfile puts the entrypoint (kubernetes.entry.path names it). */
    static final String ENTRYPOINT = "/usr/local/bin/prunestream-entrypoint.sh";

    private final Path root;
    private final List<String> mapped = new ArrayList<>();

    private ImageRoot(Path root) {
        this.root = root;
    }

    /**
     * Lays out {@code root}: Flink's lib/ and plugins/ (what the base image has) with the image's
     * own opt/flink (from the k8s/image module) on top, and its entrypoint script.
     */
    static ImageRoot create(
            Path root, Path image, Path flinkLib, Path flinkPlugins, Path entrypointScript)
            throws IOException {
        ImageRoot r = new ImageRoot(Files.createDirectories(root.toAbsolutePath()));
        r.mapped.add(ENTRYPOINT); // longest first
        r.mapped.add("/opt/flink");
        Path flink = r.path("/opt/flink");
        link(flinkLib, Files.createDirectories(flink.resolve("lib")));
        for (Path plugin : list(flinkPlugins)) {
            link(plugin, Files.createDirectories(flink.resolve("plugins/" + plugin.getFileName())));
        }
        Path own = image.resolve("opt/flink");
        for (Path dir : list(own)) {
            link(dir, Files.createDirectories(flink.resolve(own.relativize(dir))));
        }
        Files.createDirectories(flink.resolve("conf"));
        Path entrypoint = r.path(ENTRYPOINT);
        Files.createDirectories(entrypoint.getParent());
        r.writeScript(entrypoint, r.map(Files.readString(entrypointScript)));
        return r;
    }

    /** Maps {@code containerPath} (a volume's mount path) to a folder under the root. */
    Path mount(String containerPath) throws IOException {
        mapped.add(containerPath);
        mapped.sort(Comparator.comparing(String::length).reversed()); // longest prefix first
        return Files.createDirectories(path(containerPath));
    }

    /** Where {@code containerPath} is here. */
    Path path(String containerPath) {
        return root.resolve(containerPath.substring(1));
    }

    /**
     * {@code text} with every mapped container path (a whole path segment: not a part of a longer
     * name) replaced by its place under the root; {@code file:///models} becomes {@code
     * file:///<root>/models}.
     */
    String map(String text) {
        // one pass, so that a path already mapped is not mapped again
        StringBuilder alternatives = new StringBuilder();
        for (String prefix : mapped) {
            alternatives
                    .append(alternatives.length() == 0 ? "" : "|")
                    .append(Pattern.quote(prefix));
        }
        Matcher m =
                Pattern.compile("(?<![\\w.])(" + alternatives + ")(?=$|[/:;,\\s\"'*])")
                        .matcher(text);
        return m.replaceAll(r -> Matcher.quoteReplacement(path(r.group(1)).toString()));
    }

    /** The jars of opt/flink/lib in the order Flink's scripts put them on the class path. */
    String flinkClassPath() throws IOException {
        List<String> jars = new ArrayList<>();
        for (Path p : list(path("/opt/flink/lib"))) {
            if (p.toString().endsWith(".jar")) {
                jars.add(p.toString());
            }
        }
        return String.join(":", jars);
    }

    /** Writes an executable script. */
    void writeScript(Path file, String text) throws IOException {
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    /** Hard links (a copy across file systems): class loading then names the image's paths. */
    private static void link(Path fromDir, Path toDir) throws IOException {
        for (Path f : list(fromDir)) {
            Path target = toDir.resolve(f.getFileName());
            if (!Files.exists(target)) {
                try {
                    Files.createLink(target, f.toRealPath());
                } catch (IOException | UnsupportedOperationException e) {
                    Files.copy(f, target);
                }
            }
        }
    }

    private static List<Path> list(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new AssertionError(
                    dir
                            + " is missing: build it first (mvn -B package -DskipTests -pl"
                            + " k8s/image,flink-job/cluster-check -am; mvn verify does)");
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
