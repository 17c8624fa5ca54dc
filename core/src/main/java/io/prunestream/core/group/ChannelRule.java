package io.prunestream.core.group;

import io.prunestream.core.nn.LayerGraph;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Convolution2D;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.Pooling2D;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.Upsampling2D;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.convolutional.Cropping2D;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;

/**
 * How a layer or vertex carries channels from its inputs to its output. This is the one place that
 * knows layer types: teaching the group finder a new type means mapping it to one of these rules in
 * {@link #of}. Anything not mapped is {@link Unknown}, which blocks every group it touches.
 */
sealed interface ChannelRule {

    /** The layer or vertex type as users read it. */
    String type();

    /**
     * Reads the input channels and makes new ones (conv filters, dense units).
     *
     * @param outAxis weight axis of the outputs
     * @param inAxis weight axis of the inputs
     * @param mixes why its outputs cannot be removed one by one (a softmax over them), or null
     */
    record Produce(String type, int outAxis, int inAxis, String mixes) implements ChannelRule {}

    /** Reads the input channels; its outputs are the network's classes, never pruned. */
    record Classify(String type, int inAxis) implements ChannelRule {}

    /**
     * Output channel i is made from input channel i alone (activation, pooling, padding, ...).
     *
     * @param norm whether it has per-channel parameters (BatchNorm)
     */
    record PerChannel(String type, boolean norm) implements ChannelRule {}

    /** Output channel {@code c * multiplier + k} is made from input channel c alone. */
    record Depthwise(String type, int multiplier) implements ChannelRule {}

    /** Elementwise over its inputs (add, product, max, ...): channel i of all inputs is one. */
    record Join(String type) implements ChannelRule {}

    /** Concatenates its inputs' channels, in input order. */
    record Concat(String type) implements ChannelRule {}

    /** Flattens [C, H, W] to C*H*W values: channel c becomes H*W of them. */
    record Flatten(String type, CNN2DFormat format) implements ChannelRule {}

    /** Anything else. */
    record Unknown(String type, String why) implements ChannelRule {}

    /** The rule of a node (its layer or vertex; a layer's input preprocessor is {@link #pre}). */
    static ChannelRule of(LayerGraph graph, LayerGraph.Node n) {
        Layer layer = n.layer();
        if (layer == null) {
            return ofVertex(graph, n);
        }
        Class<?> c = layer.getClass();
        String type = c.getSimpleName();
        if (c == ConvolutionLayer.class || c == Convolution2D.class) {
            return new Produce(type, 0, 1, mixes(layer));
        }
        if (c == DenseLayer.class) {
            return new Produce(type, 1, 0, mixes(layer));
        }
        if (c == OutputLayer.class) {
            return new Classify(type, 0);
        }
        if (c == DepthwiseConvolution2D.class) {
            return mixes(layer) == null
                    ? new Depthwise(type, ((DepthwiseConvolution2D) layer).getDepthMultiplier())
                    : new Unknown(type, "whose softmax activation mixes channels");
        }
        if (c == BatchNormalization.class) {
            return new PerChannel(type, true);
        }
        if (c == ActivationLayer.class) {
            return elementwise(((ActivationLayer) layer).getActivationFn())
                    ? new PerChannel(type, false)
                    : new Unknown(type, "whose softmax mixes channels");
        }
        if (c == SubsamplingLayer.class
                || c == Pooling2D.class
                || c == GlobalPoolingLayer.class
                || c == DropoutLayer.class
                || c == ZeroPaddingLayer.class
                || c == Upsampling2D.class
                || c == Cropping2D.class
                || c == LossLayer.class) {
            return new PerChannel(type, false);
        }
        return new Unknown(type, null);
    }

    private static ChannelRule ofVertex(LayerGraph graph, LayerGraph.Node n) {
        GraphVertex v = n.vertex();
        String type = v == null ? "node" : v.getClass().getSimpleName();
        if (v instanceof ElementWiseVertex) {
            return new Join(type);
        }
        if (v instanceof MergeVertex m) {
            String why = null;
            for (String s : graph.sourcesOf(n.name())) {
                InputType t =
                        graph.isNetworkInput(s) ? graph.inputType() : graph.node(s).outputType();
                int channelAxis =
                        t instanceof InputType.InputTypeConvolutional conv
                                        && conv.getFormat() == CNN2DFormat.NHWC
                                ? 3
                                : 1;
                boolean known =
                        t instanceof InputType.InputTypeConvolutional
                                || t instanceof InputType.InputTypeFeedForward;
                if (!known || m.getMergeAxis() != channelAxis) {
                    why = "which concatenates along axis " + m.getMergeAxis() + ", not channels";
                }
            }
            return why == null ? new Concat(type) : new Unknown(type, why);
        }
        if (v instanceof ScaleVertex || v instanceof ShiftVertex) {
            return new PerChannel(type, false);
        }
        if (v instanceof PreprocessorVertex p) {
            ChannelRule r = pre(p.getPreProcessor());
            return r != null ? r : new PerChannel(type, false);
        }
        return new Unknown(type, null);
    }

    /** The rule of a layer's input preprocessor, or null for none. */
    static ChannelRule pre(InputPreProcessor p) {
        if (p == null) {
            return null;
        }
        if (p instanceof CnnToFeedForwardPreProcessor f) {
            return new Flatten(
                    p.getClass().getSimpleName(),
                    f.getFormat() == null ? CNN2DFormat.NCHW : f.getFormat());
        }
        return new Unknown(p.getClass().getSimpleName(), null);
    }

    private static String mixes(Layer layer) {
        return layer instanceof BaseLayer b && !elementwise(b.getActivationFn())
                ? "its softmax activation mixes its outputs"
                : null;
    }

    private static boolean elementwise(IActivation a) {
        return !(a instanceof ActivationSoftmax);
    }
}
