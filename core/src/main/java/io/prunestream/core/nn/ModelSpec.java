package io.prunestream.core.nn;

import java.util.Locale;

/**
 * Which built-in network to build, from random weights ({@code seed}). {@code depth} picks the VGG
 * variant (11, 13, 16, 19) or the ResNet depth (6n+2: 20, 32, 56, 110); {@code width} scales every
 * layer's channel count.
 */
public record ModelSpec(
        Kind kind, InputShape input, int classes, int depth, double width, long seed)
        implements ModelSource {

    /** The network families {@link Models} can build. */
    public enum Kind {
        /** Three conv+BN blocks and a dense layer: the default for 28x28 data. */
        SMALL_CNN,
        /** LeNet-like: conv5x5x20, pool, conv5x5x50, pool, dense 128 (the benchmark net). */
        LENET,
        /** VGG with BatchNorm, global average pooling and one linear classifier. */
        VGG,
        /** CIFAR-style ResNet (6n+2) with parameter-free option-A shortcuts. */
        RESNET;

        /** The name users write in configs: small-cnn, lenet, vgg, resnet. */
        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }

        /** The kind {@code s} names (a config's name or the constant's), or null if none. */
        public static Kind find(String s) {
            try {
                return parse(s);
            } catch (IllegalArgumentException e) {
                return null;
            }
        }

        public static Kind parse(String s) {
            String k = s.trim().toUpperCase(Locale.ROOT).replace('-', '_');
            return switch (k) {
                case "SMALL_CNN", "CNN" -> SMALL_CNN;
                case "LENET" -> LENET;
                case "VGG" -> VGG;
                case "RESNET" -> RESNET;
                default ->
                        throw new IllegalArgumentException(
                                "unknown model '"
                                        + s
                                        + "': use one of small-cnn, lenet, vgg, resnet");
            };
        }
    }

    public ModelSpec {
        if (classes < 2) {
            throw new IllegalArgumentException("classes must be >= 2, got " + classes);
        }
        if (!(width > 0)) {
            throw new IllegalArgumentException("width multiplier must be > 0, got " + width);
        }
        if (kind == Kind.VGG && depth != 11 && depth != 13 && depth != 16 && depth != 19) {
            throw new IllegalArgumentException("VGG depth must be 11, 13, 16 or 19, got " + depth);
        }
        if (kind == Kind.RESNET && (depth < 8 || (depth - 2) % 6 != 0)) {
            throw new IllegalArgumentException(
                    "ResNet depth must be 6n+2 (20, 32, 56, 110), got " + depth);
        }
    }

    public static ModelSpec smallCnn(InputShape input, int classes, long seed) {
        return new ModelSpec(Kind.SMALL_CNN, input, classes, 0, 1.0, seed);
    }

    public static ModelSpec lenet(InputShape input, int classes, long seed) {
        return new ModelSpec(Kind.LENET, input, classes, 0, 1.0, seed);
    }

    public static ModelSpec vgg(int depth, double width, InputShape input, int classes, long seed) {
        return new ModelSpec(Kind.VGG, input, classes, depth, width, seed);
    }

    public static ModelSpec resnet(
            int depth, double width, InputShape input, int classes, long seed) {
        return new ModelSpec(Kind.RESNET, input, classes, depth, width, seed);
    }

    @Override
    public Network build(OptimizerSpec optimizer) {
        return Models.build(this, optimizer);
    }

    @Override
    public boolean imported() {
        return false;
    }

    @Override
    public String name() {
        return kind.name().toLowerCase(Locale.ROOT)
                + (depth > 0 ? "-" + depth : "")
                + (width != 1.0 ? "-w" + width : "");
    }

    @Override
    public String describe() {
        return "built-in " + name() + " (random weights, seed " + seed + ")";
    }

    /** Channels after scaling by the width multiplier, at least 1. */
    int scaled(int channels) {
        return Math.max(1, (int) Math.round(channels * width));
    }
}
