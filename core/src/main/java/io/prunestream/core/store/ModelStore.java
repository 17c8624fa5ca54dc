package io.prunestream.core.store;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.Network;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves a model with its report into a folder ({@code model.zip}: DL4J's format, no updater state;
 * {@code model.onnx}: the same network for inference in any ONNX runtime, BatchNorm folded, left
 * out with a logged reason when the network has a layer the exporter cannot write; {@code
 * report.json}). The folder appears at once, complete, or not at all, so readers never see half a
 * model; an existing folder is never overwritten. Files and folders are forced to disk before they
 * are renamed into place and the rename itself after, so a saved folder survives a power cut whole
 * (where the file system honours fsync).
 */
public final class ModelStore {
    static final ObjectMapper JSON =
            new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);

    private static final Logger LOG = LoggerFactory.getLogger(ModelStore.class);

    public static final String MODEL_FILE = "model.zip";
    public static final String ONNX_FILE = "model.onnx";
    public static final String REPORT_FILE = "report.json";

    /**
     * The folder of a save in progress is named {@code .<folder>.tmp<random>}, e.g. {@code
     * .v0003.tmp123}.
     */
    public static final String TEMP_PREFIX = ".";

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

    /** Saves the network as DL4J's zip and, where it exports, as ONNX. */
    public static Path save(Path dir, Network net, PruningReport report) {
        ModelFiles.Onnx onnx = ModelFiles.Onnx.of(net);
        if (onnx.error() != null) {
            LOG.error("{}: saved without {}: {}", dir, ONNX_FILE, onnx.error());
        }
        return save(dir, net.toBytes(false), onnx.bytes(), report);
    }

    /** Saves a network already serialised by {@link Network#toBytes(boolean)}, zip only. */
    public static Path save(Path dir, byte[] model, PruningReport report) {
        return save(dir, model, null, report);
    }

    /**
     * Saves a network already serialised by {@link Network#toBytes(boolean)} without updater and,
     * unless {@code onnx} is null, its ONNX export.
     */
    public static Path save(Path dir, byte[] model, byte[] onnx, PruningReport report) {
        try {
            if (Files.exists(dir)) {
                throw new IllegalStateException(
                        "model folder " + dir + " exists already; versions are never overwritten");
            }
            Path parent = dir.toAbsolutePath().getParent();
            Files.createDirectories(parent);
            Path tmp = Files.createTempDirectory(parent, TEMP_PREFIX + dir.getFileName() + ".tmp");
            try {
                writeDurably(tmp.resolve(MODEL_FILE), model);
                if (onnx != null) {
                    writeDurably(tmp.resolve(ONNX_FILE), onnx);
                }
                writeDurably(tmp.resolve(REPORT_FILE), JSON.writeValueAsBytes(report));
                forceDirectory(tmp);
                moveDurably(tmp, dir);
            } catch (IOException e) {
                deleteQuietly(tmp); // e.g. a full disk: leave no half-written folder behind
                throw e;
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot save model to " + dir, e);
        }
    }

    /**
     * Renames a complete folder (or file) into place atomically, then forces both parent folders to
     * disk so the rename survives a power cut.
     */
    public static void moveDurably(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
        Path toParent = to.toAbsolutePath().getParent();
        Path fromParent = from.toAbsolutePath().getParent();
        forceDirectory(toParent);
        if (!fromParent.equals(toParent)) {
            forceDirectory(fromParent);
        }
    }

    private static void writeDurably(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch =
                FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
            ch.force(true);
        }
    }

    private static void deleteQuietly(Path tmp) {
        try (Stream<Path> s = Files.walk(tmp)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException | UncheckedIOException ignored) {
            // a writer that stages there removes what is left at its start
        }
    }

    /** fsync of a folder: makes the names in it (new files, renames) durable. */
    private static void forceDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /**
     * The content hash of a saved model: SHA-256 over {@code model.zip}'s entries (each name and
     * its bytes, in order) as 64 hex digits. The zip's own bytes would not do: DL4J stamps each
     * entry with the time it was written, so the same network saved twice differs there.
     */
    public static String modelHash(byte[] modelZip) {
        try (ZipInputStream zip = new ZipInputStream(new ByteArrayInputStream(modelZip))) {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[1 << 16];
            for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
                sha.update(e.getName().getBytes(StandardCharsets.UTF_8));
                sha.update((byte) 0);
                for (int n = zip.read(buf); n > 0; n = zip.read(buf)) {
                    sha.update(buf, 0, n);
                }
                sha.update((byte) 0);
            }
            return HexFormat.of().formatHex(sha.digest());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the model's zip", e);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** SHA-256 of the bytes as 64 hex digits, as {@code sha256sum} prints it. */
    public static String sha256(byte[] bytes) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    /** {@link #modelHash(byte[])} of the model saved in {@code dir}. */
    public static String modelHash(Path dir) throws IOException {
        return modelHash(Files.readAllBytes(dir.resolve(MODEL_FILE)));
    }

    public static SavedModel load(Path dir) {
        try {
            PruningReport report = readReport(dir);
            InputShape shape = InputShape.parse(report.input());
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
