package io.prunestream.core.nn;

import java.io.Serializable;

/**
 * Where a run's starting network comes from: one of the built-in networks, initialised from a seed
 * ({@link ModelSpec}), or a trained network read from a file ({@link ModelFile}). Either way the
 * run knows the sample shape it feeds the network and the number of classes before it builds it.
 */
public sealed interface ModelSource extends Serializable permits ModelSpec, ModelFile {

    /** The shape of one sample the network takes. */
    InputShape input();

    /** The number of classes the network tells apart. */
    int classes();

    /**
     * The starting network, set up to train with {@code optimizer}: a built-in one freshly
     * initialised, a file's as the file holds it. Runs call this once, when they start from
     * scratch; a restore takes the network from its state.
     */
    Network build(OptimizerSpec optimizer);

    /** True when the network starts trained (read from a file), not from random weights. */
    boolean imported();

    /** A short name for reports: e.g. {@code small_cnn}, {@code vgg-11}, {@code resnet20.onnx}. */
    String name();

    /** What the network is and where it comes from, for the run's first log line. */
    String describe();
}
