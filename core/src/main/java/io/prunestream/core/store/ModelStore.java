package io.prunestream.core.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.Network;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Saves a model with its report into a folder ({@code model.zip}: DL4J's format, no updater state;
 * {@code report.json}). The folder appears at once, complete, or not at all, so readers never see
 * half a model; an existing folder is never overwritten.
 */
public final class ModelStore {
    static final ObjectMapper JSON =
            new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    public static final String MODEL_FILE = "model.zip";
    public static final String REPORT_FILE = "report.json";

    private ModelStore() {}

    /** The folder name of version {@code v}: {@code v0001}, ... */
    public static String versionFolder(int v) {
        return String.format("v%04d", v);
    }

    /**
     * The version folders of a run (named by {@link #versionFolder}), oldest first; none when the
     * run folder is missing.
     */
    public static List<Path> versions(Path runDir) throws IOException {
        if (!Files.isDirectory(runDir)) {
            return List.of();
        }
        try (Stream<Path> s = Files.list(runDir)) {
            return s.filter(p -> p.getFileName().toString().matches("v\\d{4,}"))
                    .filter(Files::isDirectory)
                    .sorted(Comparator.comparing(p -> p.getFileName().toString()))
                    .toList();
        }
    }

    /** A loaded model and its report. */
    public record SavedModel(Network network, PruningReport report) {}

    public static Path save(Path dir, Network net, PruningReport report) {
        return save(dir, net.toBytes(false), report);
    }

    /** Saves a network already serialised by {@link Network#toBytes(boolean)} without updater. */
    public static Path save(Path dir, byte[] model, PruningReport report) {
        try {
            if (Files.exists(dir)) {
                throw new IllegalStateException(
                        "model folder " + dir + " exists already; versions are never overwritten");
            }
            Path parent = dir.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempDirectory(parent, "." + dir.getFileName() + ".tmp");
            Files.write(tmp.resolve(MODEL_FILE), model);
            JSON.writeValue(tmp.resolve(REPORT_FILE).toFile(), report);
            try {
                Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir);
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save model to " + dir, e);
        }
    }

    public static SavedModel load(Path dir) {
        try {
            PruningReport report = readReport(dir);
            String[] s = report.input().split("x");
            InputShape shape =
                    new InputShape(
                            Integer.parseInt(s[0]), Integer.parseInt(s[1]), Integer.parseInt(s[2]));
            byte[] bytes = Files.readAllBytes(dir.resolve(MODEL_FILE));
            return new SavedModel(Network.fromBytes(bytes, report.graph(), shape), report);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot load model from " + dir, e);
        }
    }

    public static PruningReport readReport(Path dir) throws IOException {
        Path f = dir.resolve(REPORT_FILE);
        if (!Files.isRegularFile(f)) {
            throw new IOException(dir + " holds no " + REPORT_FILE + ": not a saved model folder");
        }
        return JSON.readValue(f.toFile(), PruningReport.class);
    }

    /** A value as JSON bytes. */
    public static byte[] toJson(Object value) {
        try {
            return JSON.writeValueAsBytes(value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + value.getClass().getSimpleName(), e);
        }
    }

    public static <T> T fromJson(byte[] json, Class<T> type) throws IOException {
        return JSON.readValue(json, type);
    }

    /** Writes any value as indented JSON (reports, tables). */
    public static void writeJson(Path file, Object value) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            JSON.writeValue(file.toFile(), value);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }
}
