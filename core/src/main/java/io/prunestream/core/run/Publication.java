package io.prunestream.core.run;

import io.prunestream.core.state.Codec;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A model version and its network in DL4J's format without updater state ({@code model.zip}) and as
 * ONNX ({@code model.onnx}; null when the export failed, {@link ModelVersion#files()} says why):
 * what a driver stores (a folder, a sink that commits with a checkpoint).
 */
public record Publication(ModelVersion version, byte[] model, byte[] onnx) {

    /** A version with no ONNX file. */
    public Publication(ModelVersion version, byte[] model) {
        this(version, model, null);
    }

    /**
     * Binary layout, version 2: the version (its own codec), the model bytes, the ONNX bytes (a
     * blob, -1 for none). Version 1 ended after the model bytes.
     */
    public static final Codec<Publication> CODEC =
            Codec.of("model publication", 2, 1, Publication::write, Publication::read);

    private static void write(Publication p, DataOutput out) throws IOException {
        ModelVersion.CODEC.writeVersioned(p.version, out);
        Codec.writeBlob(out, p.model);
        Codec.writeBlob(out, p.onnx);
    }

    private static Publication read(DataInput in, int version) throws IOException {
        ModelVersion v = ModelVersion.CODEC.readVersioned(in);
        byte[] model = Codec.readBlob(in);
        return new Publication(v, model, version >= 2 ? Codec.readBlob(in) : null);
    }
}
