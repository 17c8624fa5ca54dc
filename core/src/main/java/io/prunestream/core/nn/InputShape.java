package io.prunestream.core.nn;

import org.deeplearning4j.nn.conf.inputs.InputType;

/** Shape of one input image: channels, height, width (NCHW without the batch dimension). */
public record InputShape(int channels, int height, int width) implements java.io.Serializable {
    public InputShape {
        if (channels < 1 || height < 1 || width < 1) {
            throw new IllegalArgumentException(
                    "input shape must be positive, got "
                            + channels
                            + "x"
                            + height
                            + "x"
                            + width
                            + " (channels x height x width)");
        }
    }

    /** 28x28 grey images: MNIST, Fashion-MNIST. */
    public static final InputShape MNIST = new InputShape(1, 28, 28);

    public InputType toInputType() {
        return InputType.convolutional(height, width, channels);
    }

    public long[] batchShape(int batch) {
        return new long[] {batch, channels, height, width};
    }

    public int size() {
        return channels * height * width;
    }

    @Override
    public String toString() {
        return channels + "x" + height + "x" + width;
    }
}
