package io.prunestream.core.run;

import io.prunestream.core.state.Codec;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * A model version and its network in DL4J's format without updater state ({@code model.zip}): what
 * a driver stores (a folder, a sink that commits with a checkpoint).
 */
public record Publication(ModelVersion version, byte[] model) {

    /** Binary layout, version 1: the version (its own codec), then the model bytes. */
    public static final Codec<Publication> CODEC =
            Codec.of("model publication", 1, 1, Publication::write, Publication::read);

    private static void write(Publication p, DataOutput out) throws IOException {
        ModelVersion.CODEC.writeVersioned(p.version, out);
        Codec.writeBlob(out, p.model);
    }

    private static Publication read(DataInput in, int version) throws IOException {
        return new Publication(ModelVersion.CODEC.readVersioned(in), Codec.readBlob(in));
    }
}
