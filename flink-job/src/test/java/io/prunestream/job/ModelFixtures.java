package io.prunestream.job;

import java.nio.file.Path;

/** The model files core's tests keep ({@code core/src/test/fixtures}, made by make_fixtures.py). */
public final class ModelFixtures {
    private ModelFixtures() {}

    /** The fixtures folder, from this module's directory (where surefire runs). */
    public static final Path DIR =
            Path.of("..", "core", "src", "test", "fixtures").toAbsolutePath();

    /** CIFAR ResNet-20 as PyTorch exported it (BatchNorm folded), 1x28x28 in, 10 classes. */
    public static final Path RESNET20 = DIR.resolve("resnet20.onnx");

    /** An MLP 32 -> 64 -> 32 -> 4 with PyTorch's random weights, 32 features in. */
    public static final Path MLP = DIR.resolve("mlp.onnx");
}
