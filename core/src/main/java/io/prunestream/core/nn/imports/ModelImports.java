package io.prunestream.core.nn.imports;

import io.prunestream.core.config.UsageException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The one door for models from outside: a DL4J {@code ModelSerializer} zip, a Keras 2 HDF5 file or
 * an ONNX file becomes a {@link ImportedModel}, whose network speaks the rest of the code's types
 * (FLOAT, NCHW, softmax + cross-entropy at the end). Each format's quirks stay in its reader.
 *
 * <pre>{@code
 * ImportedModel m = ModelImports.read(Path.of("resnet20.onnx"));
 * Network net = m.network(OptimizerSpec.sgd(0.01, 5e-4)); // trains with the run's optimizer
 * }</pre>
 */
public final class ModelImports {
    private ModelImports() {}

    private static final byte[] ZIP = {'P', 'K', 3, 4};
    private static final byte[] HDF5 = {(byte) 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n'};

    /**
     * Reads a DL4J ModelSerializer zip (MultiLayerNetwork or ComputationGraph), a Keras 2 HDF5 file
     * or an ONNX file, by content (magic bytes), not by extension. Unreadable, truncated or
     * unsupported files throw {@link UsageException} with one line naming the file, the node or
     * layer and the reason (and for ONNX, the supported op list).
     */
    public static ImportedModel read(Path file) {
        byte[] head = head(file);
        if (startsWith(head, ZIP)) {
            return Dl4jZipReader.read(file);
        }
        if (startsWith(head, HDF5)) {
            return KerasReader.read(file);
        }
        if (OnnxReader.looksLikeOnnx(head)) {
            return OnnxReader.read(file);
        }
        throw new UsageException(
                file
                        + ": not a model file this program reads: expected a DL4J model zip, a"
                        + " Keras 2 HDF5 file (.h5) or an ONNX file (.onnx)");
    }

    private static byte[] head(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UsageException(file + ": no such model file: give the path of a model file");
        }
        try (InputStream in = Files.newInputStream(file)) {
            return in.readNBytes(8);
        } catch (IOException e) {
            throw new UsageException(file + ": cannot read the model file: " + e.getMessage(), e);
        }
    }

    private static boolean startsWith(byte[] head, byte[] magic) {
        if (head.length < magic.length) {
            return false;
        }
        for (int i = 0; i < magic.length; i++) {
            if (head[i] != magic[i]) {
                return false;
            }
        }
        return true;
    }

    /** One line: a library's multi-line message joined, for usage errors. */
    static String oneLine(Throwable e) {
        String m = e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
        return m.replaceAll("\\s*\\R\\s*", " ").trim();
    }
}
