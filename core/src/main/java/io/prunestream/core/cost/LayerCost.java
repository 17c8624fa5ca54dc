package io.prunestream.core.cost;

/**
 * Size and cost of one layer.
 *
 * @param label layer name
 * @param type layer type (conv, dense, batchnorm, ...)
 * @param width output channels or units
 * @param params trainable parameters (BatchNorm running statistics excluded, as PyTorch counts)
 * @param flops multiply-accumulates per sample: conv prod(W.shape)*H_out*W_out, dense in*out
 */
public record LayerCost(String label, String type, long width, long params, long flops) {}
