package io.prunestream.core.cost;

/**
 * Size and cost of one layer, counted as the authors count ({@code utils.get_n_params_}, {@code
 * get_n_flops_} with {@code count_adds=True}).
 *
 * @param label layer name
 * @param type layer type (conv, depthwise, dense, output, batchnorm)
 * @param width output channels or units
 * @param params trainable parameters of the layer: weights and biases of a conv or linear layer;
 *     gamma and beta of a BatchNorm layer (listed, but not counted in {@link NetworkCost#params()})
 * @param flops floating-point operations per sample, multiplies and adds: 2 x the
 *     multiply-accumulates, conv (depthwise too) {@code 2 * prod(W.shape) * H_out * W_out}, linear
 *     {@code 2 * in * out}; biases, BatchNorm, activations and pooling are not counted
 */
public record LayerCost(String label, String type, long width, long params, long flops) {

    public static final String BATCHNORM = "batchnorm";
    public static final String CONV = "conv";
    public static final String DEPTHWISE = "depthwise";
    public static final String DENSE = "dense";
    public static final String OUTPUT = "output";

    /** Multiply-accumulates per sample (half the FLOPs). */
    public long macs() {
        return flops / 2;
    }

    /** Whether the authors' parameter count includes this layer (conv and linear layers only). */
    public boolean countsParams() {
        return CONV.equals(type)
                || DEPTHWISE.equals(type)
                || DENSE.equals(type)
                || OUTPUT.equals(type);
    }
}
