package io.prunestream.core.nn.exports;

/**
 * A network the exporter cannot write as ONNX. The message is one line naming the layer (or vertex,
 * preprocessor, activation) and why, e.g. {@code cannot export layer 'lstm1' (LSTM) to ONNX: no
 * translation for this layer type; ...}.
 */
public final class OnnxExportException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    OnnxExportException(String message) {
        super(message);
    }

    /** The layer (or vertex) named {@code label} of type {@code type} cannot be written. */
    static OnnxExportException of(String label, Object type, String why) {
        String kind = type == null ? "?" : type.getClass().getSimpleName();
        return new OnnxExportException(
                "cannot export layer '" + label + "' (" + kind + ") to ONNX: " + why);
    }
}
