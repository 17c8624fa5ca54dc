package io.prunestream.core.store;

import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.exports.OnnxExportException;
import io.prunestream.core.nn.exports.OnnxExporter;
import java.util.Objects;

/**
 * The files of a model version and their SHA-256, as its announcement names them.
 *
 * @param zip {@value ModelStore#MODEL_FILE}: DL4J's format, trainable (no updater state)
 * @param zipSha256 {@link ModelStore#modelHash(byte[])}: SHA-256 over the zip's entries (each name
 *     and its bytes), the hash the folder sink identifies a version by; not {@code sha256sum
 *     model.zip}, since DL4J stamps each entry with the time it was written
 * @param onnx {@value ModelStore#ONNX_FILE} (ONNX, opset {@value OnnxExporter#OPSET}, BatchNorm
 *     folded), or null when the export failed
 * @param onnxSha256 SHA-256 of the ONNX file's bytes, as {@code sha256sum model.onnx} prints it;
 *     null when there is no ONNX file
 * @param onnxError why there is no ONNX file (one line naming the layer), or null
 */
public record ModelFiles(
        String zip, String zipSha256, String onnx, String onnxSha256, String onnxError) {

    public ModelFiles {
        Objects.requireNonNull(zip, "zip");
        Objects.requireNonNull(zipSha256, "zipSha256");
        if ((onnx == null) == (onnxError == null)) {
            throw new IllegalArgumentException(
                    "a version has either an ONNX file or the reason it has none");
        }
    }

    /** The files of a version made of these bytes ({@code onnx} null: {@code onnxError} why). */
    public static ModelFiles of(byte[] zip, byte[] onnx, String onnxError) {
        return onnx != null
                ? new ModelFiles(
                        ModelStore.MODEL_FILE,
                        ModelStore.modelHash(zip),
                        ModelStore.ONNX_FILE,
                        ModelStore.sha256(onnx),
                        null)
                : new ModelFiles(
                        ModelStore.MODEL_FILE, ModelStore.modelHash(zip), null, null, onnxError);
    }

    /** A network's ONNX file, or the one line saying why it cannot be written. */
    public record Onnx(byte[] bytes, String error) {
        /** Exports with BatchNorm folded; any failure becomes {@link #error()}, never a throw. */
        public static Onnx of(Network net) {
            try {
                return new Onnx(OnnxExporter.builder().build().export(net), null);
            } catch (RuntimeException e) { // an unsupported layer, or a bug: never lose the zip
                String why =
                        e instanceof OnnxExportException
                                ? e.getMessage()
                                : "ONNX export failed: " + e;
                return new Onnx(null, why.strip().replaceAll("\\s*\\R\\s*", " "));
            }
        }
    }
}
