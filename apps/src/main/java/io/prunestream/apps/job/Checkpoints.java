package io.prunestream.apps.job;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds what a job can resume from under its output folder: the newest complete retained checkpoint
 * ({@code checkpoints/<job>/chk-N/_metadata}) or savepoint ({@code
 * savepoints/savepoint-…/_metadata}). A checkpoint or savepoint is complete once Flink has written
 * its {@code _metadata}.
 */
public final class Checkpoints {
    private Checkpoints() {}

    /** A complete checkpoint or savepoint folder. */
    public record Found(Path dir, boolean savepoint, long modified) {
        /** The checkpoint number of {@code chk-N}, or -1 for a savepoint. */
        public long checkpointId() {
            String n = dir.getFileName().toString();
            return n.startsWith("chk-") ? Long.parseLong(n.substring(4)) : -1;
        }

        public String describe() {
            return savepoint
                    ? "savepoint " + dir
                    : "checkpoint " + checkpointId() + " (" + dir + ")";
        }
    }

    /** The newest complete checkpoint or savepoint under {@code outputDir}, if any. */
    public static Optional<Found> newest(Path outputDir) {
        try (Stream<Found> all =
                Stream.concat(
                        find(outputDir.resolve("checkpoints"), 3, false),
                        find(outputDir.resolve("savepoints"), 2, true))) {
            return all.max(Comparator.comparingLong(Found::modified));
        }
    }

    /** A checkpoint or savepoint folder given by the user (its {@code _metadata} must exist). */
    public static Found at(Path path) {
        Path dir = Files.isRegularFile(path) ? path.getParent() : path;
        if (!Files.isRegularFile(dir.resolve("_metadata"))) {
            throw new IllegalArgumentException(
                    "--resume "
                            + path
                            + ": no _metadata there, so it is not a complete checkpoint or"
                            + " savepoint; give a chk-N or savepoint-… folder, or no path for the"
                            + " newest under the output folder");
        }
        return new Found(dir, dir.getFileName().toString().startsWith("savepoint"), modified(dir));
    }

    private static Stream<Found> find(Path root, int depth, boolean savepoints) {
        if (!Files.isDirectory(root)) {
            return Stream.empty();
        }
        try (Stream<Path> s = Files.find(root, depth, (p, a) -> p.endsWith("_metadata"))) {
            return s
                    .map(Path::getParent)
                    .filter(
                            d ->
                                    savepoints
                                            ? d.getFileName().toString().startsWith("savepoint")
                                            : d.getFileName().toString().startsWith("chk-"))
                    .map(d -> new Found(d, savepoints, modified(d)))
                    .toList()
                    .stream();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot search " + root + " for checkpoints", e);
        }
    }

    private static long modified(Path dir) {
        try {
            return Files.getLastModifiedTime(dir.resolve("_metadata")).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
