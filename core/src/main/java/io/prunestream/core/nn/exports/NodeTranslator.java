package io.prunestream.core.nn.exports;

import io.prunestream.core.nn.exports.NetworkNodes.Node;
import io.prunestream.core.nn.exports.OnnxGraph.Attr;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationELU;
import org.nd4j.linalg.activations.impl.ActivationHardSigmoid;
import org.nd4j.linalg.activations.impl.ActivationHardTanH;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU;
import org.nd4j.linalg.activations.impl.ActivationReLU6;
import org.nd4j.linalg.activations.impl.ActivationSELU;
import org.nd4j.linalg.activations.impl.ActivationSigmoid;
import org.nd4j.linalg.activations.impl.ActivationSoftPlus;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.activations.impl.ActivationSwish;
import org.nd4j.linalg.activations.impl.ActivationTanH;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The ONNX operators for each DL4J layer, vertex, preprocessor and activation: the one place a new
 * type is taught to the exporter. Types are matched exactly (a subclass such as {@code
 * Convolution1DLayer} computes something else); anything not listed fails with one line naming the
 * node.
 *
 * <p>Long because it is the exporter's whole vocabulary, one short method per type.
 */
final class NodeTranslator {
    static final String SUPPORTED =
            "ConvolutionLayer, DepthwiseConvolution2D, BatchNormalization, ActivationLayer,"
                    + " SubsamplingLayer (max, avg), GlobalPoolingLayer (max, avg, sum),"
                    + " DenseLayer, OutputLayer, LossLayer, ZeroPaddingLayer, DropoutLayer,"
                    + " ElementWiseVertex, MergeVertex, ScaleVertex, ShiftVertex, SubsetVertex,"
                    + " PreprocessorVertex, CnnToFeedForwardPreProcessor,"
                    + " FeedForwardToCnnPreProcessor";

    private final OnnxGraph graph;
    private final NetworkNodes network;
    private final Map<String, INDArray> params;

    /** Layers whose BatchNorm is folded into them, by layer node, and the BatchNorm nodes. */
    private final Map<String, Node> foldedInto = new HashMap<>();

    private final Set<String> foldedNorms = new HashSet<>();

    private final Map<String, String> tensors = new HashMap<>();

    NodeTranslator(
            OnnxGraph graph,
            NetworkNodes network,
            Map<String, INDArray> params,
            boolean foldBatchNorm) {
        this.graph = graph;
        this.network = network;
        this.params = params;
        tensors.put(OnnxExporter.INPUT, OnnxExporter.INPUT);
        if (foldBatchNorm) {
            findFolds();
        }
    }

    /**
     * A BatchNorm folds into the layer before it when that layer is a convolution or dense layer
     * without activation whose output nothing else reads.
     */
    private void findFolds() {
        Map<String, Node> byName = new HashMap<>();
        network.nodes().forEach(n -> byName.put(n.name(), n));
        for (Node bn : network.nodes()) {
            if (!(bn.layer() instanceof BatchNormalization) || bn.preProcessor() != null) {
                continue;
            }
            Node before = byName.get(bn.inputs().get(0));
            if (before == null
                    || before.name().equals(network.output())
                    || network.readersOf(before.name()) != 1) {
                continue;
            }
            Layer l = before.layer();
            boolean foldable =
                    l != null
                            && (l.getClass() == ConvolutionLayer.class
                                    || l.getClass() == DepthwiseConvolution2D.class
                                    || l.getClass() == DenseLayer.class)
                            && ((BaseLayer) l).getActivationFn() instanceof ActivationIdentity;
            if (foldable) {
                foldedInto.put(before.name(), bn);
                foldedNorms.add(bn.name());
            }
        }
    }

    /** Writes one node; afterwards its output is {@link #tensorOf} its name. */
    void translate(Node n) {
        List<String> in = new ArrayList<>();
        for (String i : n.inputs()) {
            in.add(tensorOf(i));
        }
        String out;
        if (n.layer() != null) {
            String x = in.get(0);
            InputType t = n.inputType();
            if (n.preProcessor() != null) {
                x = preprocess(n, n.preProcessor(), x, t);
                t = n.preProcessor().getOutputType(t);
            }
            out = layer(n, n.layer(), x, t);
        } else {
            out = vertex(n, n.vertex(), in);
        }
        tensors.put(n.name(), out);
    }

    String tensorOf(String node) {
        String t = tensors.get(node);
        if (t == null) {
            throw new IllegalStateException("node " + node + " read before it was written");
        }
        return t;
    }

    private String layer(Node n, Layer l, String x, InputType t) {
        Class<?> type = l.getClass();
        if (type == ConvolutionLayer.class || type == DepthwiseConvolution2D.class) {
            return conv(n, (ConvolutionLayer) l, x, t);
        }
        if (type == BatchNormalization.class) {
            return batchNorm(n, (BatchNormalization) l, x, t);
        }
        if (type == ActivationLayer.class) {
            return activation(n, ((ActivationLayer) l).getActivationFn(), x, n.label());
        }
        if (type == SubsamplingLayer.class) {
            return pool(n, (SubsamplingLayer) l, x, t);
        }
        if (type == GlobalPoolingLayer.class) {
            return globalPool(n, (GlobalPoolingLayer) l, x, t);
        }
        if (type == DenseLayer.class || type == OutputLayer.class) {
            return dense(n, (BaseLayer) l, x, t);
        }
        if (type == LossLayer.class) {
            return activation(n, ((LossLayer) l).getActivationFn(), x, n.label());
        }
        if (type == ZeroPaddingLayer.class) {
            return zeroPad(n, (ZeroPaddingLayer) l, x);
        }
        if (type == DropoutLayer.class) {
            return x; // dropout is the identity at inference
        }
        throw OnnxExportException.of(
                n.label(), l, "no translation for this layer type; supported: " + SUPPORTED);
    }

    private String vertex(Node n, GraphVertex v, List<String> in) {
        if (v instanceof ElementWiseVertex e) {
            return elementWise(n, e, in);
        }
        if (v instanceof MergeVertex m) {
            return in.size() == 1
                    ? in.get(0)
                    : graph.node("Concat", n.label(), in, Attr.i("axis", m.getMergeAxis()));
        }
        if (v instanceof ScaleVertex s) {
            String k = graph.scalar(n.label() + ".scale", (float) s.getScaleFactor());
            return graph.node("Mul", n.label(), List.of(in.get(0), k));
        }
        if (v instanceof ShiftVertex s) {
            String k = graph.scalar(n.label() + ".shift", (float) s.getShiftFactor());
            return graph.node("Add", n.label(), List.of(in.get(0), k));
        }
        if (v instanceof SubsetVertex s) {
            List<String> args =
                    List.of(
                            in.get(0),
                            graph.int64s(n.label() + ".starts", s.getFrom()),
                            graph.int64s(n.label() + ".ends", s.getTo() + 1L),
                            graph.int64s(n.label() + ".axes", 1));
            return graph.node("Slice", n.label(), args);
        }
        if (v instanceof PreprocessorVertex p) {
            return preprocess(n, p.getPreProcessor(), in.get(0), n.inputType());
        }
        throw OnnxExportException.of(
                n.label(), v, "no translation for this vertex type; supported: " + SUPPORTED);
    }

    private String elementWise(Node n, ElementWiseVertex e, List<String> in) {
        if (in.size() == 1) {
            return in.get(0);
        }
        return switch (e.getOp()) {
            case Add -> graph.node(in.size() == 2 ? "Add" : "Sum", n.label(), in);
            case Average -> graph.node("Mean", n.label(), in);
            case Max -> graph.node("Max", n.label(), in);
            case Subtract -> {
                if (in.size() != 2) {
                    throw OnnxExportException.of(
                            n.label(), e, "Subtract of " + in.size() + " inputs (needs 2)");
                }
                yield graph.node("Sub", n.label(), in);
            }
            case Product -> {
                String acc = in.get(0);
                for (int i = 1; i < in.size(); i++) {
                    acc = graph.node("Mul", n.label(), List.of(acc, in.get(i)));
                }
                yield acc;
            }
        };
    }

    private String preprocess(Node n, InputPreProcessor p, String x, InputType t) {
        if (p instanceof CnnToFeedForwardPreProcessor c) {
            if (c.getFormat() != CNN2DFormat.NCHW) {
                throw OnnxExportException.of(
                        n.label(), p, "only NCHW activations are supported, got " + c.getFormat());
            }
            return graph.node("Flatten", n.label() + "_flatten", List.of(x), Attr.i("axis", 1));
        }
        if (p instanceof FeedForwardToCnnPreProcessor f) {
            String shape =
                    graph.int64s(
                            n.label() + ".shape",
                            -1,
                            f.getNumChannels(),
                            f.getInputHeight(),
                            f.getInputWidth());
            return graph.node("Reshape", n.label() + "_reshape", List.of(x, shape));
        }
        throw OnnxExportException.of(
                n.label(),
                p,
                "no translation for this input preprocessor; supported: " + SUPPORTED);
    }

    private static InputType.InputTypeConvolutional image(Node n, InputType t, Object kind) {
        if (t instanceof InputType.InputTypeConvolutional c) {
            if (c.getFormat() != CNN2DFormat.NCHW) {
                throw OnnxExportException.of(
                        n.label(), kind, "only NCHW activations are supported, got NHWC");
            }
            return c;
        }
        throw OnnxExportException.of(
                n.label(), kind, "expects image activations (N, C, H, W), got " + t);
    }

    private String conv(Node n, ConvolutionLayer c, String x, InputType t) {
        if (c.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            throw OnnxExportException.of(n.label(), c, "only NCHW convolutions are supported");
        }
        var in = image(n, t, c);
        var out = image(n, n.outputType(), c);
        long[] pads =
                pads(
                        n,
                        c,
                        c.getConvolutionMode(),
                        in,
                        out,
                        c.getKernelSize(),
                        c.getStride(),
                        c.getDilation(),
                        c.getPadding());
        INDArray w = param(n, "W");
        long[] dims;
        long group = 1;
        if (c instanceof DepthwiseConvolution2D) {
            // DL4J [kH, kW, inC, multiplier] -> ONNX [inC * multiplier, 1, kH, kW], group inC;
            // output channel ic * multiplier + m in both
            long[] s = w.shape();
            w = w.permute(2, 3, 0, 1);
            dims = new long[] {s[2] * s[3], 1, s[0], s[1]};
            group = s[2];
        } else {
            dims = w.shape();
        }
        float[] weight = floats(w);
        float[] bias = c.hasBias() ? floats(param(n, "b")) : null;
        Node bn = foldedInto.get(n.name());
        if (bn != null) {
            bias = values(bn).fold(weight, true, bias);
        }
        List<String> args =
                new ArrayList<>(List.of(x, graph.floats(n.label() + ".weight", dims, weight)));
        if (bias != null) {
            args.add(graph.floats(n.label() + ".bias", new long[] {bias.length}, bias));
        }
        String y =
                graph.node(
                        "Conv",
                        linearName(n, c.getActivationFn()),
                        args,
                        Attr.ints("kernel_shape", dims[2], dims[3]),
                        Attr.ints("strides", c.getStride()[0], c.getStride()[1]),
                        Attr.ints("pads", pads),
                        Attr.ints("dilations", c.getDilation()[0], c.getDilation()[1]),
                        Attr.i("group", group));
        return activation(n, c.getActivationFn(), y, n.label());
    }

    /**
     * ONNX pads (top, left, bottom, right) for DL4J's convolution mode; checked against the output
     * size DL4J computes, so a mode this method gets wrong fails the export instead of the numbers.
     */
    private static long[] pads(
            Node n,
            Object kind,
            ConvolutionMode mode,
            InputType.InputTypeConvolutional in,
            InputType.InputTypeConvolutional out,
            int[] k,
            int[] s,
            int[] d,
            int[] p) {
        long[] size = {in.getHeight(), in.getWidth()};
        long[] outSize = {out.getHeight(), out.getWidth()};
        long[] pads = new long[4];
        for (int i = 0; i < 2; i++) {
            long effective = (long) (k[i] - 1) * d[i] + 1;
            if (mode == ConvolutionMode.Same) {
                long total = Math.max(0, (outSize[i] - 1) * s[i] + effective - size[i]);
                pads[i] = total / 2; // DL4J, like TensorFlow, puts the odd pixel at the end
                pads[i + 2] = total - total / 2;
            } else if (mode == ConvolutionMode.Truncate || mode == ConvolutionMode.Strict) {
                pads[i] = p[i];
                pads[i + 2] = p[i];
            } else {
                throw OnnxExportException.of(
                        n.label(), kind, "convolution mode " + mode + " is not supported");
            }
            long onnxOut = (size[i] + pads[i] + pads[i + 2] - effective) / s[i] + 1;
            if (onnxOut != outSize[i]) {
                throw OnnxExportException.of(
                        n.label(),
                        kind,
                        "output size "
                                + onnxOut
                                + " by ONNX's rule differs from DL4J's "
                                + outSize[i]
                                + " (mode "
                                + mode
                                + ")");
            }
        }
        return pads;
    }

    private String batchNorm(Node n, BatchNormalization b, String x, InputType t) {
        // DL4J's BatchNorm layer applies no activation, whatever its configuration inherits
        if (foldedNorms.contains(n.name())) {
            return x;
        }
        if (t instanceof InputType.InputTypeConvolutional
                && b.getCnn2DFormat() != CNN2DFormat.NCHW) {
            throw OnnxExportException.of(n.label(), b, "only NCHW BatchNorm is supported");
        }
        BatchNormValues v = values(n);
        long[] c = {v.channels()};
        return graph.node(
                "BatchNormalization",
                n.label(),
                List.of(
                        x,
                        graph.floats(n.label() + ".gamma", c, BatchNormValues.floats(v.gamma())),
                        graph.floats(n.label() + ".beta", c, BatchNormValues.floats(v.beta())),
                        graph.floats(n.label() + ".mean", c, BatchNormValues.floats(v.mean())),
                        graph.floats(n.label() + ".var", c, BatchNormValues.floats(v.var()))),
                Attr.f("epsilon", v.eps()));
    }

    private BatchNormValues values(Node bn) {
        return BatchNormValues.of((BatchNormalization) bn.layer(), params, bn.name());
    }

    private String pool(Node n, SubsamplingLayer s, String x, InputType t) {
        if (s.getCnn2dDataFormat() != CNN2DFormat.NCHW) {
            throw OnnxExportException.of(n.label(), s, "only NCHW pooling is supported");
        }
        var in = image(n, t, s);
        var out = image(n, n.outputType(), s);
        int[] k = s.getKernelSize();
        int[] st = s.getStride();
        int[] d = s.getDilation();
        long[] pads = pads(n, s, s.getConvolutionMode(), in, out, k, st, d, s.getPadding());
        List<Attr> attrs =
                new ArrayList<>(
                        List.of(
                                Attr.ints("kernel_shape", k[0], k[1]),
                                Attr.ints("strides", st[0], st[1]),
                                Attr.ints("pads", pads)));
        PoolingType type = s.getPoolingType();
        if (type == PoolingType.MAX) {
            attrs.add(Attr.ints("dilations", d[0], d[1]));
            return graph.node("MaxPool", n.label(), List.of(x), attrs.toArray(Attr[]::new));
        }
        if (type == PoolingType.AVG) {
            if (d[0] != 1 || d[1] != 1) {
                throw OnnxExportException.of(
                        n.label(), s, "average pooling with dilation needs opset 19");
            }
            attrs.add(Attr.i("count_include_pad", s.isAvgPoolIncludePadInDivisor() ? 1 : 0));
            return graph.node("AveragePool", n.label(), List.of(x), attrs.toArray(Attr[]::new));
        }
        throw OnnxExportException.of(n.label(), s, type + " pooling is not supported");
    }

    private String globalPool(Node n, GlobalPoolingLayer g, String x, InputType t) {
        image(n, t, g);
        int[] dims = g.getPoolingDimensions();
        if (dims != null && !(dims.length == 2 && dims[0] == 2 && dims[1] == 3)) {
            throw OnnxExportException.of(
                    n.label(),
                    g,
                    "pooling over dimensions "
                            + java.util.Arrays.toString(dims)
                            + " (only [2, 3], height and width)");
        }
        String name = g.isCollapseDimensions() ? n.label() + "_pool" : n.label();
        String y =
                switch (g.getPoolingType()) {
                    case AVG -> graph.node("GlobalAveragePool", name, List.of(x));
                    case MAX -> graph.node("GlobalMaxPool", name, List.of(x));
                    case SUM ->
                            graph.node(
                                    "ReduceSum",
                                    name,
                                    List.of(x, graph.int64s(n.label() + ".axes", 2, 3)),
                                    Attr.i("keepdims", 1));
                    default ->
                            throw OnnxExportException.of(
                                    n.label(), g, g.getPoolingType() + " pooling is not supported");
                };
        return g.isCollapseDimensions()
                ? graph.node("Flatten", n.label(), List.of(y), Attr.i("axis", 1))
                : y;
    }

    private String dense(Node n, BaseLayer l, String x, InputType t) {
        if (!(t instanceof InputType.InputTypeFeedForward)) {
            throw OnnxExportException.of(
                    n.label(), l, "expects flat activations (N, features), got " + t);
        }
        INDArray w = param(n, "W"); // [nIn, nOut]: ONNX Gemm's B without transposing
        float[] weight = floats(w);
        boolean hasBias = l instanceof DenseLayer d ? d.hasBias() : ((OutputLayer) l).hasBias();
        float[] bias = hasBias ? floats(param(n, "b")) : null;
        Node bn = foldedInto.get(n.name());
        if (bn != null) {
            bias = values(bn).fold(weight, false, bias);
        }
        List<String> args =
                new ArrayList<>(List.of(x, graph.floats(n.label() + ".weight", w.shape(), weight)));
        if (bias != null) {
            args.add(graph.floats(n.label() + ".bias", new long[] {bias.length}, bias));
        }
        String y = graph.node("Gemm", linearName(n, l.getActivationFn()), args);
        return activation(n, l.getActivationFn(), y, n.label());
    }

    private String zeroPad(Node n, ZeroPaddingLayer z, String x) {
        if (z.getDataFormat() != CNN2DFormat.NCHW) {
            throw OnnxExportException.of(n.label(), z, "only NCHW padding is supported");
        }
        int[] p = z.getPadding(); // top, bottom, left, right
        String pads = graph.int64s(n.label() + ".pads", 0, 0, p[0], p[2], 0, 0, p[1], p[3]);
        return graph.node("Pad", n.label(), List.of(x, pads), Attr.s("mode", "constant"));
    }

    /** The name of a layer's output before its activation. */
    private static String linearName(Node n, IActivation a) {
        return a == null || a instanceof ActivationIdentity ? n.label() : n.label() + "_linear";
    }

    private String activation(Node n, IActivation a, String x, String name) {
        if (a == null || a instanceof ActivationIdentity) {
            return x;
        }
        if (a instanceof ActivationReLU r) {
            boolean plain =
                    r.getMax() == null
                            && (r.getThreshold() == null || r.getThreshold() == 0)
                            && (r.getNegativeSlope() == null || r.getNegativeSlope() == 0);
            if (!plain) {
                throw OnnxExportException.of(
                        n.label(), a, "ReLU with a maximum, threshold or negative slope");
            }
            return graph.node("Relu", name, List.of(x));
        }
        if (a instanceof ActivationReLU6) {
            return clip(x, name, 0, 6);
        }
        if (a instanceof ActivationHardTanH) {
            return clip(x, name, -1, 1);
        }
        if (a instanceof ActivationLReLU l) {
            return graph.node("LeakyRelu", name, List.of(x), Attr.f("alpha", l.getAlpha()));
        }
        if (a instanceof ActivationELU e) {
            return graph.node("Elu", name, List.of(x), Attr.f("alpha", e.getAlpha()));
        }
        if (a instanceof ActivationSigmoid) {
            return graph.node("Sigmoid", name, List.of(x));
        }
        if (a instanceof ActivationHardSigmoid) {
            // DL4J: min(1, max(0, 0.2 x + 0.5)), ONNX's defaults
            return graph.node(
                    "HardSigmoid", name, List.of(x), Attr.f("alpha", 0.2), Attr.f("beta", 0.5));
        }
        if (a instanceof ActivationTanH) {
            return graph.node("Tanh", name, List.of(x));
        }
        if (a instanceof ActivationSoftPlus) {
            return graph.node("Softplus", name, List.of(x));
        }
        if (a instanceof ActivationSELU) {
            return graph.node("Selu", name, List.of(x));
        }
        if (a instanceof ActivationSwish) {
            String s = graph.node("Sigmoid", name + "_sigmoid", List.of(x));
            return graph.node("Mul", name, List.of(x, s));
        }
        if (a instanceof ActivationSoftmax) {
            if (!(n.outputType() instanceof InputType.InputTypeFeedForward)) {
                throw OnnxExportException.of(
                        n.label(), a, "softmax over " + n.outputType() + " (only over features)");
            }
            return graph.node("Softmax", name, List.of(x), Attr.i("axis", 1));
        }
        throw OnnxExportException.of(
                n.label(),
                a,
                "activation "
                        + a
                        + " has no translation; supported: identity, relu, relu6, leakyrelu, elu,"
                        + " sigmoid, hardsigmoid, tanh, hardtanh, softplus, selu, swish, softmax");
    }

    private String clip(String x, String name, float min, float max) {
        return graph.node(
                "Clip",
                name,
                List.of(x, graph.scalar(name + ".min", min), graph.scalar(name + ".max", max)));
    }

    private INDArray param(Node n, String key) {
        INDArray a = params.get(n.name() + "_" + key);
        if (a == null) {
            throw OnnxExportException.of(n.label(), n.kind(), "no parameter " + key);
        }
        return a;
    }

    /** Row-major float32 values of any array (views, other orders and types included). */
    private static float[] floats(INDArray a) {
        return a.castTo(DataType.FLOAT).dup('c').data().asFloat();
    }
}
