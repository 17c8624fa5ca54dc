package io.prunestream.core.nn.imports;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.nn.InputShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.GraphProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import onnx.Onnx.OperatorSetIdProto;
import onnx.Onnx.TensorProto;
import onnx.Onnx.TensorShapeProto;
import onnx.Onnx.ValueInfoProto;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationLReLU;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.shade.protobuf.InvalidProtocolBufferException;

/**
 * ONNX files (what {@code torch.onnx.export} writes, BatchNorm folded or kept) read with ONNX's own
 * protobuf classes and mapped, node by node, to a DL4J ComputationGraph with the file's weights.
 * The CNN/MLP subset in {@link #SUPPORTED}; anything else is refused naming the node and the op.
 *
 * <p>Where DL4J has no direct equivalent: asymmetric pads become a {@link ZeroPaddingLayer} before
 * the convolution (and before a pooling where zeros change nothing: a max-pool over non-negative
 * input, an average counting pads); {@code ceil_mode} becomes extra end padding; a depthwise Conv
 * (group = input channels) becomes {@link DepthwiseConvolution2D}; Gemm's alpha, beta and transB
 * are folded into a dense layer's weights; MatMul followed by the Add of a constant is one dense
 * layer; Flatten/Reshape to [batch, features] is a flatten preprocessor; Dropout and Identity
 * vanish (inference-time no-ops; fine-tuning then runs without dropout). The final linear layer
 * (and a Softmax after it) becomes the softmax + cross-entropy {@code OutputLayer} runs train; any
 * other ending gets a {@code LossLayer}. Layers are named after the PyTorch modules where the
 * weight names say them ({@code blocks.0.conv1.weight} gives {@code blocks.0.conv1}), else after
 * the node. Shape arithmetic that computes a Reshape's target (Shape, Gather, Unsqueeze, Concat on
 * int64) is evaluated while importing.
 *
 * <p>Long because it is one method per supported op plus the tensor and attribute reading they
 * share; a new op is one case in {@link #convert(NodeProto, String)} and its method.
 */
final class OnnxReader {
    static final List<String> SUPPORTED =
            List.of(
                    "Conv (group 1 or depthwise)",
                    "BatchNormalization",
                    "Relu",
                    "LeakyRelu",
                    "Sigmoid",
                    "Tanh",
                    "MaxPool",
                    "AveragePool",
                    "GlobalAveragePool",
                    "Gemm",
                    "MatMul (+ Add of a bias)",
                    "Flatten",
                    "Reshape (to 2-D)",
                    "Add",
                    "Concat",
                    "Dropout",
                    "Identity",
                    "Softmax",
                    "Constant",
                    "Shape, Gather, Unsqueeze, Squeeze, Cast, Concat on shapes (a Reshape's target)");

    private static final String INPUT = "input";

    /** An ONNX ModelProto starts with field 1 (ir_version), a varint: tag byte 0x08. */
    static boolean looksLikeOnnx(byte[] head) {
        return head.length > 1 && head[0] == 0x08;
    }

    static ImportedModel read(Path file) {
        ModelProto model;
        try {
            model = ModelProto.parseFrom(Files.readAllBytes(file));
        } catch (InvalidProtocolBufferException e) {
            throw new UsageException(
                    file
                            + ": not a readable ONNX file (truncated or corrupt: the protobuf"
                            + " ends or breaks inside a field): export it again",
                    e);
        } catch (IOException e) {
            throw new UsageException(file + ": cannot read: " + ModelImports.oneLine(e), e);
        }
        if (!model.hasGraph() || model.getGraph().getNodeCount() == 0) {
            throw new UsageException(file + ": an ONNX file without a graph: export it again");
        }
        OnnxReader r = new OnnxReader(file, model);
        ComputationGraph net = r.convert();
        return Dl4jForm.finish(net, r.input, "onnx", file);
    }

    /** What one ONNX tensor is in the graph being built: a vertex, and its per-sample shape. */
    private record Value(String vertex, long[] shape) {
        boolean image() {
            return shape.length == 3;
        }
    }

    /** One DL4J vertex to add, with the parameters it gets after the graph is initialised. */
    private static final class Entry {
        final String name;
        Object conf; // a Layer or a GraphVertex
        final List<String> inputs;
        final Map<String, INDArray> params = new LinkedHashMap<>();

        Entry(String name, Object conf, List<String> inputs) {
            this.name = name;
            this.conf = conf;
            this.inputs = inputs;
        }
    }

    private final Path file;
    private final GraphProto graph;
    private final long opset;
    private final Map<String, TensorProto> constants = new HashMap<>();
    private final Map<String, Value> values = new HashMap<>();
    private final Map<String, List<NodeProto>> consumers = new HashMap<>();
    private final Map<String, NodeProto> producers = new HashMap<>();
    private final Map<String, Entry> entries = new LinkedHashMap<>();
    private final Set<String> names = new HashSet<>();
    private final Set<NodeProto> folded = new HashSet<>();
    private InputShape input;
    private int unnamed;

    private OnnxReader(Path file, ModelProto model) {
        this.file = file;
        this.graph = model.getGraph();
        long v = 0;
        for (OperatorSetIdProto o : model.getOpsetImportList()) {
            if (o.getDomain().isEmpty() || o.getDomain().equals("ai.onnx")) {
                v = o.getVersion();
            }
        }
        this.opset = v;
        names.add(INPUT);
    }

    private ComputationGraph convert() {
        for (TensorProto t : graph.getInitializerList()) {
            constants.put(t.getName(), t);
        }
        for (NodeProto n : graph.getNodeList()) {
            for (String in : n.getInputList()) {
                consumers.computeIfAbsent(in, k -> new ArrayList<>()).add(n);
            }
            for (String out : n.getOutputList()) {
                producers.put(out, n);
            }
        }
        readInput();
        if (graph.getOutputCount() != 1) {
            throw new UsageException(
                    file
                            + ": the ONNX graph has "
                            + graph.getOutputCount()
                            + " outputs: prunestream trains classifiers with one output");
        }
        String output = graph.getOutput(0).getName();
        Set<NodeProto> live = liveNodes(output);
        for (NodeProto n : graph.getNodeList()) {
            if (live.contains(n) && !folded.contains(n)) {
                convert(n, output);
            }
        }
        Value out = values.get(output);
        if (out == null) {
            throw new UsageException(
                    file + ": the ONNX graph's output '" + output + "' is not computed by a node");
        }
        if (out.image()) {
            throw new UsageException(
                    file
                            + ": the ONNX graph's output '"
                            + output
                            + "' has shape "
                            + Arrays.toString(out.shape())
                            + " per sample: prunestream trains classifiers whose output is"
                            + " [batch, classes]");
        }
        String last = classifierOutput(output, out);
        return build(last);
    }

    // ------------------------------------------------------------------ graph input and output

    private void readInput() {
        List<ValueInfoProto> inputs = new ArrayList<>();
        for (ValueInfoProto v : graph.getInputList()) {
            if (!constants.containsKey(v.getName())) {
                inputs.add(v);
            }
        }
        if (inputs.size() != 1) {
            throw new UsageException(
                    file
                            + ": the ONNX graph has "
                            + inputs.size()
                            + " inputs: prunestream feeds one input");
        }
        ValueInfoProto in = inputs.get(0);
        if (in.getType().getTensorType().getElemType() != TensorProto.DataType.FLOAT_VALUE) {
            throw new UsageException(
                    file
                            + ": the ONNX input '"
                            + in.getName()
                            + "' is not float32: export the model with a float input");
        }
        List<TensorShapeProto.Dimension> dims =
                in.getType().getTensorType().getShape().getDimList();
        if (dims.size() < 2) {
            throw new UsageException(
                    file
                            + ": the ONNX input '"
                            + in.getName()
                            + "' states no [batch, ...] shape: export with an example input of the"
                            + " sample size");
        }
        long[] shape = new long[dims.size() - 1];
        for (int i = 1; i < dims.size(); i++) {
            TensorShapeProto.Dimension d = dims.get(i);
            if (!d.hasDimValue() || d.getDimValue() < 1) {
                throw new UsageException(
                        file
                                + ": the ONNX input '"
                                + in.getName()
                                + "' has a symbolic dimension '"
                                + d.getDimParam()
                                + "': export with a fixed sample size (only the batch may vary)");
            }
            shape[i - 1] = d.getDimValue();
        }
        if (shape.length == 3) {
            input = new InputShape((int) shape[0], (int) shape[1], (int) shape[2]);
        } else if (shape.length == 1) {
            input = InputShape.vector((int) shape[0]);
        } else {
            throw new UsageException(
                    file
                            + ": the ONNX input '"
                            + in.getName()
                            + "' has rank "
                            + dims.size()
                            + ": prunestream feeds [batch, channels, height, width] images or"
                            + " [batch, features] vectors");
        }
        values.put(in.getName(), new Value(INPUT, shape));
    }

    /** The nodes the output depends on; anything else (dead branches) is left out. */
    private Set<NodeProto> liveNodes(String output) {
        Set<NodeProto> live = new HashSet<>();
        Deque<String> todo = new ArrayDeque<>(List.of(output));
        while (!todo.isEmpty()) {
            NodeProto n = producers.get(todo.pop());
            if (n != null && live.add(n)) {
                n.getInputList().stream().filter(s -> !s.isEmpty()).forEach(todo::push);
            }
        }
        return live;
    }

    /**
     * The final linear layer becomes the output layer (softmax + cross-entropy); anything else gets
     * a loss layer after it. Returns the name of the network's output vertex.
     */
    private String classifierOutput(String output, Value out) {
        Entry e = entries.get(out.vertex());
        if (e != null
                && e.conf instanceof DenseLayer d
                && consumers.getOrDefault(output, List.of()).isEmpty()
                && !feedsAnother(out.vertex())) {
            e.conf = ClassifierHead.outputFrom(d);
            return e.name;
        }
        boolean softmax =
                e != null
                        && e.conf instanceof ActivationLayer a
                        && a.getActivationFn() instanceof ActivationSoftmax;
        String name = unique(ClassifierHead.LOSS);
        IActivation act = softmax ? new ActivationIdentity() : new ActivationSoftmax();
        add(new Entry(name, ClassifierHead.lossLayer(act), List.of(out.vertex())));
        return name;
    }

    /** Whether another vertex takes this one's output. */
    private boolean feedsAnother(String vertex) {
        for (Entry e : entries.values()) {
            if (e.inputs.contains(vertex)) {
                return true;
            }
        }
        return false;
    }

    private ComputationGraph build(String output) {
        ComputationGraphConfiguration.GraphBuilder g =
                new NeuralNetConfiguration.Builder()
                        .seed(0)
                        .dataType(DataType.FLOAT)
                        .updater(new Sgd(1e-3))
                        .weightInit(WeightInit.XAVIER)
                        .convolutionMode(ConvolutionMode.Truncate)
                        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                        .inferenceWorkspaceMode(WorkspaceMode.ENABLED)
                        .graphBuilder()
                        .addInputs(INPUT)
                        .setInputTypes(input.toInputType());
        for (Entry e : entries.values()) {
            String[] in = e.inputs.toArray(new String[0]);
            if (e.conf instanceof Layer l) {
                g.addLayer(e.name, l, in);
            } else {
                g.addVertex(e.name, (GraphVertex) e.conf, in);
            }
        }
        g.setOutputs(output);
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        Map<String, INDArray> table = net.paramTable();
        for (Entry e : entries.values()) {
            for (Map.Entry<String, INDArray> p : e.params.entrySet()) {
                INDArray target = table.get(e.name + "_" + p.getKey());
                INDArray value = p.getValue();
                if (target == null || target.length() != value.length()) {
                    throw new IllegalStateException(
                            "import of "
                                    + file
                                    + ": vertex "
                                    + e.name
                                    + " parameter "
                                    + p.getKey()
                                    + " has "
                                    + (target == null ? "no slot" : target.length() + " values")
                                    + " for "
                                    + value.length());
                }
                target.assign(value.reshape(target.shape()));
            }
        }
        return net;
    }

    // ------------------------------------------------------------------ nodes

    private void convert(NodeProto n, String output) {
        if (!n.getDomain().isEmpty() && !n.getDomain().equals("ai.onnx")) {
            throw unsupported(n);
        }
        switch (n.getOpType()) {
            case "Constant" -> constant(n);
            case "Shape" -> shape(n);
            case "Gather" -> gather(n);
            case "Unsqueeze", "Squeeze" -> squeeze(n);
            case "Cast" -> cast(n);
            case "Identity", "Dropout" -> alias(n);
            case "Conv" -> conv(n);
            case "BatchNormalization" -> batchNorm(n);
            case "Relu" -> activation(n, Activation.RELU.getActivationFunction());
            case "Sigmoid" -> activation(n, Activation.SIGMOID.getActivationFunction());
            case "Tanh" -> activation(n, Activation.TANH.getActivationFunction());
            case "LeakyRelu" -> activation(n, new ActivationLReLU(floatAttr(n, "alpha", 0.01f)));
            case "Softmax" -> softmax(n, output);
            case "MaxPool", "AveragePool" -> pool(n);
            case "GlobalAveragePool" -> globalAveragePool(n);
            case "Flatten" -> flatten(n);
            case "Reshape" -> reshape(n);
            case "Gemm" -> gemm(n);
            case "MatMul" -> matMul(n);
            case "Add" -> add(n);
            case "Concat" -> concat(n);
            default -> throw unsupported(n);
        }
    }

    private void constant(NodeProto n) {
        AttributeProto a = attr(n, "value");
        if (a != null && a.hasT()) {
            constants.put(n.getOutput(0), a.getT());
            return;
        }
        AttributeProto ints = attr(n, "value_ints");
        if (ints != null) {
            TensorProto.Builder t =
                    TensorProto.newBuilder()
                            .setDataType(TensorProto.DataType.INT64_VALUE)
                            .addDims(ints.getIntsCount());
            ints.getIntsList().forEach(t::addInt64Data);
            constants.put(n.getOutput(0), t.build());
            return;
        }
        throw fail(n, "a Constant without a tensor value (value or value_ints)");
    }

    // Shape arithmetic (what x.view(x.size(0), -1) exports to) is evaluated here, on int64
    // constants; the batch dimension is 0, which a Reshape reads as "copy the batch".

    private void shape(NodeProto n) {
        long[] s = value(n, 0).shape();
        long[] full = new long[s.length + 1];
        System.arraycopy(s, 0, full, 1, s.length);
        int start = (int) intAttr(n, "start", 0);
        int end = (int) intAttr(n, "end", full.length);
        start = Math.max(0, start < 0 ? start + full.length : start);
        end = Math.min(full.length, end < 0 ? end + full.length : end);
        long[] out = Arrays.copyOfRange(full, start, Math.max(start, end));
        constants.put(n.getOutput(0), int64(new long[] {out.length}, out));
    }

    private void gather(NodeProto n) {
        TensorProto data = shapeConstant(n, 0);
        long[] values = longs(data, n);
        TensorProto indices = shapeConstant(n, 1);
        long[] idx = longs(indices, n);
        if (dims(data).length != 1 || intAttr(n, "axis", 0) != 0) {
            throw fail(n, "Gather on shapes takes a 1-D shape along axis 0");
        }
        long[] out = new long[idx.length];
        for (int i = 0; i < idx.length; i++) {
            long j = idx[i] < 0 ? idx[i] + values.length : idx[i];
            if (j < 0 || j >= values.length) {
                throw fail(n, "index " + idx[i] + " outside a shape of " + values.length);
            }
            out[i] = values[(int) j];
        }
        constants.put(n.getOutput(0), int64(dims(indices), out));
    }

    private void squeeze(NodeProto n) {
        TensorProto data = shapeConstant(n, 0);
        long[] axes;
        if (opset >= 13 && n.getInputCount() > 1 && !n.getInput(1).isEmpty()) {
            axes = longs(weight(n, 1), n);
        } else {
            int[] a = ints(n, "axes");
            axes = a == null ? new long[0] : Arrays.stream(a).asLongStream().toArray();
        }
        List<Long> d = new ArrayList<>(Arrays.stream(dims(data)).boxed().toList());
        if (n.getOpType().equals("Unsqueeze")) {
            int rank = d.size() + axes.length;
            long[] sorted = Arrays.stream(axes).map(a -> a < 0 ? a + rank : a).sorted().toArray();
            for (long a : sorted) {
                d.add((int) a, 1L);
            }
        } else {
            List<Long> kept = new ArrayList<>();
            for (int i = 0; i < d.size(); i++) {
                int axis = i;
                boolean named =
                        Arrays.stream(axes)
                                .anyMatch(a -> a == axis || a + dims(data).length == axis);
                if (!(d.get(i) == 1 && (axes.length == 0 || named))) {
                    kept.add(d.get(i));
                }
            }
            d = kept;
        }
        constants.put(
                n.getOutput(0),
                int64(d.stream().mapToLong(Long::longValue).toArray(), longs(data, n)));
    }

    private void cast(NodeProto n) {
        TensorProto data = shapeConstant(n, 0);
        if (intAttr(n, "to", 0) != TensorProto.DataType.INT64_VALUE) {
            throw fail(n, "Cast on shapes to another type than int64");
        }
        constants.put(n.getOutput(0), data);
    }

    /** An input that must be a shape known while importing (not data from the network's input). */
    private TensorProto shapeConstant(NodeProto n, int i) {
        String t = i < n.getInputCount() ? n.getInput(i) : "";
        TensorProto c = constants.get(t);
        if (c == null) {
            throw fail(
                    n,
                    "input '"
                            + t
                            + "' is data from the network's input: "
                            + n.getOpType()
                            + " is supported only on shapes (a Reshape's target)");
        }
        if (c.getDataType() == TensorProto.DataType.INT32_VALUE) {
            return int64(
                    dims(c), c.getInt32DataList().stream().mapToLong(Integer::longValue).toArray());
        }
        return c;
    }

    private static TensorProto int64(long[] dims, long[] values) {
        TensorProto.Builder t =
                TensorProto.newBuilder().setDataType(TensorProto.DataType.INT64_VALUE);
        Arrays.stream(dims).forEach(t::addDims);
        Arrays.stream(values).forEach(t::addInt64Data);
        return t.build();
    }

    private void alias(NodeProto n) {
        for (int i = 1; i < n.getOutputCount(); i++) {
            if (!consumers.getOrDefault(n.getOutput(i), List.of()).isEmpty()) {
                throw fail(
                        n, "its mask output is used; only the inference-time no-op is supported");
            }
        }
        TensorProto constant = constants.get(n.getInput(0));
        if (constant != null) {
            // PyTorch exports shared (equal) initializers once, handed on through Identity nodes
            constants.put(n.getOutput(0), constant);
            return;
        }
        values.put(n.getOutput(0), value(n, 0));
    }

    private void conv(NodeProto n) {
        Value x = image(n, 0);
        TensorProto w = weight(n, 1);
        long[] wd = dims(w);
        if (wd.length != 4) {
            throw fail(n, "only 2-D convolutions are supported (weight of rank " + wd.length + ")");
        }
        long cin = x.shape()[0];
        long cout = wd[0];
        long group = intAttr(n, "group", 1);
        int[] k = {(int) wd[2], (int) wd[3]};
        int[] s = ints(n, "strides", 1, 1);
        int[] d = ints(n, "dilations", 1, 1);
        int[] pads = pads(n, x, k, s, d);
        String name = layerName(n, n.getInput(1));
        boolean bias = n.getInputCount() > 2 && !n.getInput(2).isEmpty();
        Value in = padIfAsymmetric(name, x, pads);
        if (in != x) {
            pads = new int[4];
        }
        Layer layer;
        INDArray weights = array(w, n);
        if (group == 1) {
            if (wd[1] != cin) {
                throw fail(n, "its weight expects " + wd[1] + " input channels but gets " + cin);
            }
            layer =
                    new ConvolutionLayer.Builder(k[0], k[1])
                            .dataFormat(CNN2DFormat.NCHW)
                            .stride(s)
                            .padding(pads[0], pads[1])
                            .dilation(d)
                            .nIn(cin)
                            .nOut(cout)
                            .hasBias(bias)
                            .activation(Activation.IDENTITY)
                            .convolutionMode(ConvolutionMode.Truncate)
                            .name(name)
                            .build();
        } else if (group == cin && wd[1] == 1 && cout % cin == 0) {
            int multiplier = (int) (cout / cin);
            layer =
                    new DepthwiseConvolution2D.Builder(k[0], k[1])
                            .dataFormat(CNN2DFormat.NCHW)
                            .depthMultiplier(multiplier)
                            .stride(s)
                            .padding(pads[0], pads[1])
                            .dilation(d)
                            .nIn(cin)
                            .nOut(cout)
                            .hasBias(bias)
                            .activation(Activation.IDENTITY)
                            .convolutionMode(ConvolutionMode.Truncate)
                            .name(name)
                            .build();
            // ONNX [cin * m, 1, kh, kw] (output channel c * m + j) -> DL4J [kh, kw, cin, m]
            weights = weights.reshape('c', cin, multiplier, k[0], k[1]).permute(2, 3, 0, 1);
        } else {
            throw fail(
                    n,
                    "a grouped convolution (group "
                            + group
                            + " on "
                            + cin
                            + " channels): only group 1 or depthwise (group = input channels)"
                            + " are supported");
        }
        Entry e = add(new Entry(name, layer, List.of(in.vertex())));
        e.params.put("W", weights.dup('c'));
        if (bias) {
            e.params.put("b", array(weight(n, 2), n));
        }
        long[] inShape = in.shape();
        put(
                n,
                name,
                cout,
                outSize(inShape[1], k[0], s[0], d[0], 2 * pads[0]),
                outSize(inShape[2], k[1], s[1], d[1], 2 * pads[1]));
    }

    private void batchNorm(NodeProto n) {
        for (int i = 1; i < n.getOutputCount(); i++) {
            if (!consumers.getOrDefault(n.getOutput(i), List.of()).isEmpty()) {
                throw fail(
                        n,
                        "training-mode BatchNormalization (running statistics as outputs): export"
                                + " in eval mode");
            }
        }
        Value x = value(n, 0);
        long c = x.shape()[0];
        String name = layerName(n, n.getInput(1));
        BatchNormalization layer =
                new BatchNormalization.Builder()
                        .nIn(c)
                        .nOut(c)
                        .eps(floatAttr(n, "epsilon", 1e-5f))
                        .decay(floatAttr(n, "momentum", 0.9f))
                        .useLogStd(false)
                        .name(name)
                        .build();
        Entry e = add(new Entry(name, layer, List.of(x.vertex())));
        e.params.put("gamma", array(weight(n, 1), n));
        e.params.put("beta", array(weight(n, 2), n));
        e.params.put("mean", array(weight(n, 3), n));
        e.params.put("var", array(weight(n, 4), n));
        values.put(n.getOutput(0), new Value(name, x.shape()));
    }

    private void activation(NodeProto n, IActivation fn) {
        Value x = value(n, 0);
        String name = layerName(n, null);
        add(
                new Entry(
                        name,
                        new ActivationLayer.Builder().activation(fn).name(name).build(),
                        List.of(x.vertex())));
        values.put(n.getOutput(0), new Value(name, x.shape()));
    }

    private void softmax(NodeProto n, String output) {
        Value x = value(n, 0);
        if (x.image()) {
            throw fail(n, "Softmax over a 4-D tensor: only over the classes of [batch, classes]");
        }
        long axis = intAttr(n, "axis", opset >= 13 ? -1 : 1);
        if (axis != 1 && axis != -1) {
            throw fail(n, "Softmax over axis " + axis + ": only over the classes (axis 1)");
        }
        Entry producer = entries.get(x.vertex());
        if (n.getOutput(0).equals(output)
                && producer != null
                && producer.conf instanceof DenseLayer
                && consumers.getOrDefault(n.getInput(0), List.of()).size() == 1) {
            // the output layer applies it: see classifierOutput
            values.put(n.getOutput(0), x);
            return;
        }
        activation(n, new ActivationSoftmax());
    }

    private void pool(NodeProto n) {
        boolean max = n.getOpType().equals("MaxPool");
        if (n.getOutputCount() > 1
                && !consumers.getOrDefault(n.getOutput(1), List.of()).isEmpty()) {
            throw fail(n, "its indices output is used");
        }
        Value x = image(n, 0);
        int[] k = ints(n, "kernel_shape");
        if (k == null || k.length != 2) {
            throw fail(n, "only 2-D pooling with a kernel_shape is supported");
        }
        int[] s = ints(n, "strides", 1, 1);
        int[] d = ints(n, "dilations", 1, 1);
        int[] pads = pads(n, x, k, s, d);
        boolean ceil = intAttr(n, "ceil_mode", 0) == 1;
        boolean countPads = intAttr(n, "count_include_pad", 0) == 1;
        boolean extended = false;
        if (ceil) {
            for (int axis = 0; axis < 2; axis++) {
                long in = x.shape()[axis + 1];
                long span = (long) d[axis] * (k[axis] - 1) + 1;
                long total = in + pads[axis] + pads[axis + 2];
                long floor = (total - span) / s[axis] + 1;
                long out = Math.floorDiv(total - span + s[axis] - 1, s[axis]) + 1;
                if ((out - 1) * s[axis] >= in + pads[axis]) {
                    out--; // the last window must start inside the input or its leading pad
                }
                if (out > floor) {
                    pads[axis + 2] += (int) ((out - 1) * s[axis] + span - total);
                    extended = true;
                }
            }
        }
        boolean symmetric = pads[0] == pads[2] && pads[1] == pads[3];
        String name = layerName(n, null);
        Value in = x;
        if (!symmetric || (!max && countPads && extended)) {
            // zeros in the window change nothing only where the max is over non-negative values,
            // or where an average counts pads anyway and ceil_mode added none
            boolean exact = max ? nonNegative(n.getInput(0)) : countPads && !extended;
            if (!exact) {
                throw fail(
                        n,
                        (max
                                        ? "asymmetric pads or ceil_mode over input that may be"
                                                + " negative"
                                        : "asymmetric pads or ceil_mode without count_include_pad")
                                + " (pads "
                                + Arrays.toString(pads)
                                + "): DL4J's pooling pads both sides alike");
            }
            in = pad(name, x, pads);
            pads = new int[4];
        }
        SubsamplingLayer layer =
                new SubsamplingLayer.Builder(max ? PoolingType.MAX : PoolingType.AVG)
                        .kernelSize(k)
                        .stride(s)
                        .padding(pads[0], pads[1])
                        .dilation(d)
                        .convolutionMode(ConvolutionMode.Truncate)
                        .avgPoolIncludePadInDivisor(countPads)
                        .dataFormat(CNN2DFormat.NCHW)
                        .name(name)
                        .build();
        add(new Entry(name, layer, List.of(in.vertex())));
        put(
                n,
                name,
                in.shape()[0],
                outSize(in.shape()[1], k[0], s[0], d[0], 2 * pads[0]),
                outSize(in.shape()[2], k[1], s[1], d[1], 2 * pads[1]));
    }

    /** A tensor every producer of which keeps values at or above zero. */
    private boolean nonNegative(String tensor) {
        NodeProto p = producers.get(tensor);
        if (p == null) {
            return false;
        }
        return switch (p.getOpType()) {
            case "Relu", "Sigmoid" -> true;
            case "Identity", "Dropout", "MaxPool" -> nonNegative(p.getInput(0));
            case "Concat" -> p.getInputList().stream().allMatch(this::nonNegative);
            default -> false;
        };
    }

    private void globalAveragePool(NodeProto n) {
        Value x = image(n, 0);
        boolean collapse =
                consumers.getOrDefault(n.getOutput(0), List.of()).stream()
                        .allMatch(
                                c ->
                                        c.getOpType().equals("Flatten")
                                                || c.getOpType().equals("Reshape"));
        String name = layerName(n, null);
        add(
                new Entry(
                        name,
                        new GlobalPoolingLayer.Builder(PoolingType.AVG)
                                .collapseDimensions(collapse)
                                .name(name)
                                .build(),
                        List.of(x.vertex())));
        long c = x.shape()[0];
        values.put(
                n.getOutput(0), new Value(name, collapse ? new long[] {c} : new long[] {c, 1, 1}));
    }

    private void flatten(NodeProto n) {
        long axis = intAttr(n, "axis", 1);
        if (axis != 1) {
            throw fail(n, "Flatten at axis " + axis + ": only axis 1 ([batch, features])");
        }
        toFeatures(n, value(n, 0));
    }

    private void reshape(NodeProto n) {
        Value x = value(n, 0);
        long[] target = longs(weight(n, 1), n);
        long features = Arrays.stream(x.shape()).reduce(1, (a, b) -> a * b);
        // [batch or -1 or 0 (copy), features or -1]: a flatten, whatever batch the export traced
        boolean flat =
                target.length == 2
                        && target[0] >= -1
                        && (target[1] == features || (target[1] == -1 && target[0] != -1));
        if (!flat) {
            throw fail(
                    n,
                    "Reshape to "
                            + Arrays.toString(target)
                            + ": only to [batch, features] (a flatten of "
                            + features
                            + " values per sample)");
        }
        toFeatures(n, x);
    }

    private void toFeatures(NodeProto n, Value x) {
        if (!x.image()) {
            values.put(n.getOutput(0), x);
            return;
        }
        long[] s = x.shape();
        String name = layerName(n, null);
        add(
                new Entry(
                        name,
                        new PreprocessorVertex(new CnnToFeedForwardPreProcessor(s[1], s[2], s[0])),
                        List.of(x.vertex())));
        values.put(n.getOutput(0), new Value(name, new long[] {s[0] * s[1] * s[2]}));
    }

    private void gemm(NodeProto n) {
        Value a = vector(n, 0);
        if (intAttr(n, "transA", 0) != 0) {
            throw fail(n, "Gemm with transA=1: only [batch, features] x weight");
        }
        INDArray w = array(weight(n, 1), n);
        if (w.rank() != 2) {
            throw fail(n, "a weight of rank " + w.rank() + ": Gemm takes a matrix");
        }
        if (intAttr(n, "transB", 0) != 0) {
            w = w.transpose();
        }
        w = w.mul(floatAttr(n, "alpha", 1f));
        INDArray bias = null;
        if (n.getInputCount() > 2 && !n.getInput(2).isEmpty()) {
            bias = biasVector(n, array(weight(n, 2), n), w.size(1)).mul(floatAttr(n, "beta", 1f));
        }
        dense(n, a, w, bias, n.getOutput(0));
    }

    private void matMul(NodeProto n) {
        Value a = vector(n, 0);
        INDArray w = array(weight(n, 1), n);
        if (w.rank() != 2) {
            throw fail(n, "a weight of rank " + w.rank() + ": only [batch, features] x matrix");
        }
        String out = n.getOutput(0);
        INDArray bias = null;
        List<NodeProto> next = consumers.getOrDefault(out, List.of());
        if (next.size() == 1 && next.get(0).getOpType().equals("Add")) {
            NodeProto add = next.get(0);
            String other = add.getInput(0).equals(out) ? add.getInput(1) : add.getInput(0);
            if (constants.containsKey(other)) {
                bias = biasVector(add, array(constants.get(other), add), w.size(1));
                folded.add(add);
                out = add.getOutput(0);
            }
        }
        dense(n, a, w, bias, out);
    }

    private INDArray biasVector(NodeProto n, INDArray b, long width) {
        if (b.length() == width) {
            return b.reshape(width);
        }
        if (b.length() == 1) {
            return Nd4j.valueArrayOf(new long[] {width}, b.getFloat(0), DataType.FLOAT);
        }
        throw fail(
                n,
                "a bias of shape "
                        + Arrays.toString(b.shape())
                        + " for "
                        + width
                        + " outputs: only one value per output");
    }

    private void dense(NodeProto n, Value a, INDArray w, INDArray bias, String output) {
        if (w.size(0) != a.shape()[0]) {
            throw fail(n, "its weight takes " + w.size(0) + " features but gets " + a.shape()[0]);
        }
        String name = layerName(n, n.getInput(1));
        DenseLayer layer =
                new DenseLayer.Builder()
                        .nIn(w.size(0))
                        .nOut(w.size(1))
                        .hasBias(bias != null)
                        .activation(Activation.IDENTITY)
                        .name(name)
                        .build();
        Entry e = add(new Entry(name, layer, List.of(a.vertex())));
        e.params.put("W", w.dup('c'));
        if (bias != null) {
            e.params.put("b", bias);
        }
        values.put(output, new Value(name, new long[] {w.size(1)}));
    }

    private void add(NodeProto n) {
        if (constants.containsKey(n.getInput(0)) || constants.containsKey(n.getInput(1))) {
            throw fail(n, "Add of a constant: supported only as the bias right after a MatMul");
        }
        Value a = value(n, 0);
        Value b = value(n, 1);
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw fail(
                    n,
                    "Add with broadcasting ("
                            + Arrays.toString(a.shape())
                            + " + "
                            + Arrays.toString(b.shape())
                            + "): only tensors of one shape");
        }
        String name = layerName(n, null);
        add(
                new Entry(
                        name,
                        new ElementWiseVertex(ElementWiseVertex.Op.Add),
                        List.of(a.vertex(), b.vertex())));
        values.put(n.getOutput(0), new Value(name, a.shape()));
    }

    private void concat(NodeProto n) {
        if (n.getInputList().stream().allMatch(constants::containsKey)) {
            // pieces of a shape
            List<Long> out = new ArrayList<>();
            for (int i = 0; i < n.getInputCount(); i++) {
                Arrays.stream(longs(shapeConstant(n, i), n)).forEach(out::add);
            }
            constants.put(
                    n.getOutput(0),
                    int64(
                            new long[] {out.size()},
                            out.stream().mapToLong(Long::longValue).toArray()));
            return;
        }
        List<Value> in = new ArrayList<>();
        for (int i = 0; i < n.getInputCount(); i++) {
            in.add(value(n, i));
        }
        int rank = in.get(0).shape().length + 1;
        long axis = intAttr(n, "axis", 1);
        if (axis < 0) {
            axis += rank;
        }
        if (axis != 1) {
            throw fail(n, "Concat on axis " + axis + ": only on channels or features (axis 1)");
        }
        long[] shape = in.get(0).shape().clone();
        shape[0] = 0;
        for (Value v : in) {
            if (v.shape().length != shape.length
                    || (v.image() && (v.shape()[1] != shape[1] || v.shape()[2] != shape[2]))) {
                throw fail(n, "inputs of different shapes");
            }
            shape[0] += v.shape()[0];
        }
        String name = layerName(n, null);
        add(new Entry(name, new MergeVertex(), in.stream().map(Value::vertex).toList()));
        values.put(n.getOutput(0), new Value(name, shape));
    }

    // ------------------------------------------------------------------ shapes and padding

    /** [top, left, bottom, right] from pads or auto_pad. */
    private int[] pads(NodeProto n, Value x, int[] k, int[] s, int[] d) {
        String auto = stringAttr(n, "auto_pad", "NOTSET");
        switch (auto) {
            case "NOTSET" -> {
                int[] p = ints(n, "pads", 0, 0, 0, 0);
                if (p.length != 4) {
                    throw fail(n, "pads " + Arrays.toString(p) + ": 2-D pads have 4 values");
                }
                return p;
            }
            case "VALID" -> {
                return new int[4];
            }
            case "SAME_UPPER", "SAME_LOWER" -> {
                int[] p = new int[4];
                for (int axis = 0; axis < 2; axis++) {
                    long in = x.shape()[axis + 1];
                    long out = (in + s[axis] - 1) / s[axis];
                    long span = (long) d[axis] * (k[axis] - 1) + 1;
                    int total = (int) Math.max(0, (out - 1) * s[axis] + span - in);
                    int small = total / 2;
                    boolean upper = auto.equals("SAME_UPPER");
                    p[axis] = upper ? small : total - small;
                    p[axis + 2] = upper ? total - small : small;
                }
                return p;
            }
            default -> throw fail(n, "auto_pad " + auto);
        }
    }

    private Value padIfAsymmetric(String name, Value x, int[] pads) {
        if (pads[0] == pads[2] && pads[1] == pads[3]) {
            return x;
        }
        return pad(name, x, pads);
    }

    private Value pad(String name, Value x, int[] pads) {
        String padName = unique(name + "_pad");
        add(
                new Entry(
                        padName,
                        new ZeroPaddingLayer.Builder(pads[0], pads[2], pads[1], pads[3])
                                .dataFormat(CNN2DFormat.NCHW)
                                .name(padName)
                                .build(),
                        List.of(x.vertex())));
        long[] s = x.shape();
        return new Value(
                padName, new long[] {s[0], s[1] + pads[0] + pads[2], s[2] + pads[1] + pads[3]});
    }

    private static long outSize(long in, int k, int s, int d, int padSum) {
        return (in + padSum - ((long) d * (k - 1) + 1)) / s + 1;
    }

    private void put(NodeProto n, String vertex, long c, long h, long w) {
        if (h < 1 || w < 1) {
            throw fail(n, "its output would be " + h + "x" + w + ": the input is too small");
        }
        values.put(n.getOutput(0), new Value(vertex, new long[] {c, h, w}));
    }

    // ------------------------------------------------------------------ inputs of a node

    private Value value(NodeProto n, int i) {
        String t = i < n.getInputCount() ? n.getInput(i) : "";
        Value v = values.get(t);
        if (v != null) {
            return v;
        }
        if (constants.containsKey(t)) {
            throw fail(
                    n,
                    "input '"
                            + t
                            + "' is a constant where data from the network's input"
                            + " is expected");
        }
        throw fail(n, "input '" + t + "' is computed by no earlier node");
    }

    private Value image(NodeProto n, int i) {
        Value v = value(n, i);
        if (!v.image()) {
            throw fail(n, "expects a 4-D [batch, channels, height, width] input");
        }
        return v;
    }

    private Value vector(NodeProto n, int i) {
        Value v = value(n, i);
        if (v.image()) {
            throw fail(n, "expects a 2-D [batch, features] input: flatten first");
        }
        return v;
    }

    private TensorProto weight(NodeProto n, int i) {
        String t = i < n.getInputCount() ? n.getInput(i) : "";
        TensorProto c = constants.get(t);
        if (c == null) {
            throw fail(
                    n,
                    "input '"
                            + t
                            + "' must be a constant (an initializer or a Constant node), not"
                            + " computed");
        }
        return c;
    }

    // ------------------------------------------------------------------ tensors

    private static long[] dims(TensorProto t) {
        return t.getDimsList().stream().mapToLong(Long::longValue).toArray();
    }

    private INDArray array(TensorProto t, NodeProto n) {
        if (t.getDataLocation() == TensorProto.DataLocation.EXTERNAL) {
            throw fail(
                    n,
                    "tensor '"
                            + t.getName()
                            + "' is stored outside the file: export into one file");
        }
        long[] shape = dims(t);
        long count = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        float[] data = new float[(int) count];
        java.nio.ByteBuffer raw =
                t.getRawData().asReadOnlyByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
        switch (t.getDataType()) {
            case TensorProto.DataType.FLOAT_VALUE -> {
                if (!t.getRawData().isEmpty()) {
                    checkSize(t, n, raw.remaining(), count * 4);
                    raw.asFloatBuffer().get(data);
                } else {
                    checkSize(t, n, t.getFloatDataCount(), count);
                    for (int i = 0; i < count; i++) {
                        data[i] = t.getFloatData(i);
                    }
                }
            }
            case TensorProto.DataType.DOUBLE_VALUE -> {
                if (!t.getRawData().isEmpty()) {
                    checkSize(t, n, raw.remaining(), count * 8);
                    for (int i = 0; i < count; i++) {
                        data[i] = (float) raw.getDouble(i * 8);
                    }
                } else {
                    checkSize(t, n, t.getDoubleDataCount(), count);
                    for (int i = 0; i < count; i++) {
                        data[i] = (float) t.getDoubleData(i);
                    }
                }
            }
            default ->
                    throw fail(
                            n,
                            "tensor '"
                                    + t.getName()
                                    + "' has data type "
                                    + TensorProto.DataType.forNumber(t.getDataType())
                                    + ": only float32 and float64 weights are supported");
        }
        if (shape.length == 0) {
            return Nd4j.scalar(data[0]);
        }
        return Nd4j.create(data, shape, 'c');
    }

    private long[] longs(TensorProto t, NodeProto n) {
        if (t.getDataType() != TensorProto.DataType.INT64_VALUE) {
            throw fail(n, "tensor '" + t.getName() + "' should hold int64 values");
        }
        if (!t.getRawData().isEmpty()) {
            java.nio.LongBuffer b =
                    t.getRawData()
                            .asReadOnlyByteBuffer()
                            .order(java.nio.ByteOrder.LITTLE_ENDIAN)
                            .asLongBuffer();
            long[] out = new long[b.remaining()];
            b.get(out);
            return out;
        }
        return t.getInt64DataList().stream().mapToLong(Long::longValue).toArray();
    }

    private void checkSize(TensorProto t, NodeProto n, long have, long want) {
        if (have != want) {
            throw fail(
                    n,
                    "tensor '"
                            + t.getName()
                            + "' holds "
                            + have
                            + " values (or bytes) where its shape needs "
                            + want
                            + ": the file is damaged");
        }
    }

    // ------------------------------------------------------------------ attributes

    private static AttributeProto attr(NodeProto n, String name) {
        for (AttributeProto a : n.getAttributeList()) {
            if (a.getName().equals(name)) {
                return a;
            }
        }
        return null;
    }

    private static long intAttr(NodeProto n, String name, long dflt) {
        AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getI();
    }

    private static float floatAttr(NodeProto n, String name, float dflt) {
        AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getF();
    }

    private static String stringAttr(NodeProto n, String name, String dflt) {
        AttributeProto a = attr(n, name);
        return a == null ? dflt : a.getS().toStringUtf8();
    }

    private static int[] ints(NodeProto n, String name, int... dflt) {
        AttributeProto a = attr(n, name);
        if (a == null) {
            return dflt.length == 0 ? null : dflt.clone();
        }
        return a.getIntsList().stream().mapToInt(Long::intValue).toArray();
    }

    // ------------------------------------------------------------------ names and errors

    private Entry add(Entry e) {
        entries.put(e.name, e);
        return e;
    }

    /**
     * The PyTorch module name where the weight's name gives it ({@code layer1.0.conv1.weight}),
     * else the node's name without the exporter's scope repetitions ({@code /layer1/layer1.0/Relu}
     * gives {@code layer1.0.Relu}).
     */
    private String layerName(NodeProto n, String weight) {
        if (weight != null && weight.endsWith(".weight") && !weight.contains("::")) {
            return unique(weight.substring(0, weight.length() - ".weight".length()));
        }
        String raw = n.getName();
        if (raw.isEmpty()) {
            return unique(n.getOpType().toLowerCase(java.util.Locale.ROOT) + "_" + unnamed++);
        }
        List<String> parts =
                new ArrayList<>(Arrays.stream(raw.split("/")).filter(p -> !p.isEmpty()).toList());
        for (int i = parts.size() - 2; i >= 0; i--) {
            if (parts.get(i + 1).startsWith(parts.get(i) + ".")) {
                parts.remove(i);
            }
        }
        if (weight != null
                && parts.size() > 1
                && parts.get(parts.size() - 1).equals(n.getOpType())) {
            parts.remove(parts.size() - 1); // a module's own op: named as the module
        }
        return unique(String.join(".", parts));
    }

    private String unique(String base) {
        String clean = base.replaceAll("[^A-Za-z0-9_.-]", "_");
        if (clean.isEmpty()) {
            clean = "node";
        }
        String name = clean;
        for (int i = 2; !names.add(name); i++) {
            name = clean + "_" + i;
        }
        return name;
    }

    private String label(NodeProto n) {
        return n.getName().isEmpty() ? n.getOutput(0) : n.getName();
    }

    private UsageException fail(NodeProto n, String reason) {
        return new UsageException(
                file + ": ONNX node '" + label(n) + "' (" + n.getOpType() + "): " + reason);
    }

    private UsageException unsupported(NodeProto n) {
        String op = n.getDomain().isEmpty() ? n.getOpType() : n.getDomain() + "." + n.getOpType();
        return new UsageException(
                file
                        + ": ONNX node '"
                        + label(n)
                        + "' has op "
                        + op
                        + ", which the import does not support; supported ops: "
                        + String.join(", ", SUPPORTED));
    }
}
