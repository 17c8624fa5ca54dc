package io.prunestream.job.model;

import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.core.data.Normalization;
import io.prunestream.core.nn.InputShape;
import java.io.Serializable;

/**
 * How a record's values become the features a model sees: as floats (uint8 scaled to [0, 1],
 * float32 as sent), then {@code data.normalize}. Training samples and held-out records both go
 * through {@link #of}, so a model is evaluated on what it trains on.
 *
 * @param normalization applied after the scaling
 * @param shape the shape of every sample (whole samples are normalised per channel)
 */
public record Features(Normalization normalization, InputShape shape) implements Serializable {

    /** Values as the records hold them, scaled only. */
    public static final Features AS_IS = new Features(Normalization.NONE, InputShape.MNIST);

    /** Every sample's features, c-order, a new array. */
    public float[] of(SampleBatch b) {
        float[] f = b.features();
        normalization.apply(f, shape);
        return f;
    }
}
