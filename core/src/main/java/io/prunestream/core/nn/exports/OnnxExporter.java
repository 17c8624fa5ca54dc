package io.prunestream.core.nn.exports;

import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.exports.NetworkNodes.Node;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * Writes a network as an ONNX model for inference, layer by layer ({@link NodeTranslator} lists the
 * layer, vertex and activation types it knows). The model has one input {@value #INPUT}, float32
 * {@code [batch, C, H, W]} (NCHW, as the network reads it) or {@code [batch, F]} for a network on
 * feature vectors, and one output {@value #OUTPUT}, float32 {@code [batch, classes]} for a
 * classifier (what the network's last layer gives: class probabilities after a softmax output
 * layer). The batch dimension is symbolic ({@code batch}); the others are fixed. Opset {@value
 * #OPSET}, IR version {@value #IR_VERSION}.
 *
 * <p>BatchNorm folds into the convolution or dense layer before it by default (its scale multiplies
 * that layer's weights, its shift becomes the bias), so the file holds no BatchNormalization node
 * where a fold is possible; the network itself is not changed and stays trainable.
 *
 * <pre>{@code
 * byte[] onnx = OnnxExporter.builder().build().export(network);
 * byte[] unfolded = OnnxExporter.builder().foldBatchNorm(false).build().export(network);
 * }</pre>
 *
 * A layer it cannot translate fails the export with an {@link OnnxExportException}: one line naming
 * the layer.
 */
public final class OnnxExporter {
    /** The ONNX operator set the models use. */
    public static final int OPSET = 13;

    /** ONNX IR version 7 (ONNX 1.8), the first with opset 13. */
    public static final long IR_VERSION = 7;

    /** The name of the model's input. */
    public static final String INPUT = "input";

    /** The name of the model's output. */
    public static final String OUTPUT = "output";

    private final boolean foldBatchNorm;

    private OnnxExporter(boolean foldBatchNorm) {
        this.foldBatchNorm = foldBatchNorm;
    }

    public static Builder builder() {
        return new Builder();
    }

    /** Options of the export. */
    public static final class Builder {
        private boolean foldBatchNorm = true;

        private Builder() {}

        /**
         * Whether BatchNorm layers fold into the convolution or dense layer before them (default
         * true). Off, each stays a BatchNormalization node.
         */
        public Builder foldBatchNorm(boolean fold) {
            this.foldBatchNorm = fold;
            return this;
        }

        public OnnxExporter build() {
            return new OnnxExporter(foldBatchNorm);
        }
    }

    public boolean foldsBatchNorm() {
        return foldBatchNorm;
    }

    /** The serialised ONNX model of the network's current parameters. */
    public byte[] export(Network net) {
        return model(net).toByteArray();
    }

    /** The ONNX model of the network's current parameters. */
    Onnx.ModelProto model(Network net) {
        NetworkNodes nodes = NetworkNodes.of(net);
        OnnxGraph graph = new OnnxGraph(INPUT, OUTPUT);
        NodeTranslator translator =
                new NodeTranslator(graph, nodes, net.paramTable(), foldBatchNorm);
        Node last = null;
        for (Node n : nodes.nodes()) {
            translator.translate(n);
            if (n.name().equals(nodes.output())) {
                last = n;
            }
        }
        if (last == null) {
            throw new OnnxExportException("the network has no output layer to export");
        }
        String out = translator.tensorOf(last.name());
        if (graph.produces(out)) {
            graph.rename(out, OUTPUT);
        } else { // the output is the input itself, or a name an identity layer passed through
            graph.node("Identity", OUTPUT, java.util.List.of(out));
        }
        InputShape in = net.inputShape();
        String inDoc =
                "float32 "
                        + shape(inDims(in))
                        + (in.isVector() ? ", one feature vector per row" : ", images NCHW")
                        + ": the values the network was trained on";
        long[] outDims = dims(last, last.outputType());
        String outDoc =
                "float32 "
                        + shape(outDims)
                        + ": the network's output ("
                        + last.label()
                        + "), class probabilities after a softmax output layer";
        Onnx.GraphProto g =
                graph.build(
                        "prunestream",
                        OnnxGraph.valueInfo(INPUT, inDims(in), inDoc),
                        OnnxGraph.valueInfo(OUTPUT, outDims, outDoc));
        return Onnx.ModelProto.newBuilder()
                .setIrVersion(IR_VERSION)
                .addOpsetImport(
                        Onnx.OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET))
                .setProducerName("prunestream")
                .setProducerVersion(version())
                .setDocString(
                        "input "
                                + INPUT
                                + ": "
                                + inDoc
                                + "; output "
                                + OUTPUT
                                + ": "
                                + outDoc
                                + (foldBatchNorm
                                        ? "; BatchNorm folded into the layer before it where"
                                                + " possible"
                                        : ""))
                .setGraph(g)
                .addMetadataProps(
                        prop(
                                "input",
                                INPUT
                                        + " "
                                        + shape(inDims(in))
                                        + (in.isVector() ? " features" : " NCHW")))
                .addMetadataProps(prop("output", OUTPUT + " " + shape(outDims)))
                .addMetadataProps(prop("batchnorm", foldBatchNorm ? "folded" : "not folded"))
                .build();
    }

    /** [batch, C, H, W] for images, [batch, F] for feature vectors. */
    private static long[] inDims(InputShape in) {
        int[] d = in.dims();
        long[] out = new long[d.length + 1];
        out[0] = -1;
        for (int i = 0; i < d.length; i++) {
            out[i + 1] = d[i];
        }
        return out;
    }

    private static long[] dims(Node n, InputType t) {
        if (t instanceof InputType.InputTypeFeedForward f) {
            return new long[] {-1, f.getSize()};
        }
        if (t instanceof InputType.InputTypeConvolutional c) {
            return new long[] {-1, c.getChannels(), c.getHeight(), c.getWidth()};
        }
        throw OnnxExportException.of(
                n.label(), n.kind(), "network output of type " + t + " (only flat or image)");
    }

    private static String shape(long[] dims) {
        StringBuilder s = new StringBuilder("[");
        for (int i = 0; i < dims.length; i++) {
            s.append(i > 0 ? ", " : "").append(dims[i] < 0 ? "batch" : Long.toString(dims[i]));
        }
        return s.append(']').toString();
    }

    private static Onnx.StringStringEntryProto prop(String key, String value) {
        return Onnx.StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static String version() {
        String v = OnnxExporter.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }
}
