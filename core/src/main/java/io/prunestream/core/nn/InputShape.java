package io.prunestream.core.nn;

import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * Shape of one sample without the batch dimension: an image (rank 3: channels, height, width, NCHW)
 * or a feature vector (rank 1: {@link #vector}, {@code channels} features, height and width 1).
 */
public record InputShape(int channels, int height, int width, int rank)
        implements java.io.Serializable {
    public InputShape {
        if (rank == 0) {
            rank = 3; // Java-serialised before vectors existed
        }
        if (rank != 1 && rank != 3) {
            throw new IllegalArgumentException(
                    "input rank must be 1 (features) or 3 (channels x height x width), got "
                            + rank);
        }
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
        if (rank == 1 && (height != 1 || width != 1)) {
            throw new IllegalArgumentException(
                    "a feature vector has height and width 1, got " + height + "x" + width);
        }
    }

    /** An image: channels x height x width. */
    public InputShape(int channels, int height, int width) {
        this(channels, height, width, 3);
    }

    /** A feature vector of {@code features} floats (an MLP's input). */
    public static InputShape vector(int features) {
        return new InputShape(features, 1, 1, 1);
    }

    /** 28x28 grey images: MNIST, Fashion-MNIST. */
    public static final InputShape MNIST = new InputShape(1, 28, 28);

    /** {@link #toString()}'s form: {@code CxHxW} or a single number of features. */
    public static InputShape parse(String s) {
        String[] p = s.trim().split("x");
        try {
            if (p.length == 1) {
                return vector(Integer.parseInt(p[0].trim()));
            }
            if (p.length == 3) {
                return new InputShape(
                        Integer.parseInt(p[0].trim()),
                        Integer.parseInt(p[1].trim()),
                        Integer.parseInt(p[2].trim()));
            }
        } catch (NumberFormatException e) {
            // fall through to the message below
        }
        throw new IllegalArgumentException(
                "input shape '" + s + "': write CxHxW (e.g. 1x28x28) or a number of features");
    }

    public boolean isVector() {
        return rank == 1;
    }

    public InputType toInputType() {
        return rank == 1
                ? InputType.feedForward(channels)
                : InputType.convolutional(height, width, channels);
    }

    public long[] batchShape(int batch) {
        return rank == 1
                ? new long[] {batch, channels}
                : new long[] {batch, channels, height, width};
    }

    /** The dims of one sample as records state them: {channels, height, width} or {features}. */
    public int[] dims() {
        return rank == 1 ? new int[] {channels} : new int[] {channels, height, width};
    }

    public int size() {
        return channels * height * width;
    }

    @Override
    public String toString() {
        return rank == 1 ? Integer.toString(channels) : channels + "x" + height + "x" + width;
    }
}
