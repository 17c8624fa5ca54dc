package io.prunestream.core.nn.exports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ai.onnxruntime.NodeInfo;
import ai.onnxruntime.TensorInfo;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.OptimizerSpec;
import java.util.List;
import java.util.Locale;
import onnx.Onnx;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.ShiftVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The exporter per DL4J layer, vertex, preprocessor and activation type, each checked in ONNX
 * Runtime against DL4J; the model's names, shapes and opset; BatchNorm folding; and the one-line
 * failure for what it cannot translate.
 */
class OnnxExporterTest {
    private static final InputShape IMAGE = new InputShape(3, 16, 16);

    @Test
    void everySupportedGraphTypeAgreesWithOnnxRuntime() throws Exception {
        Network net = Network.of(zooGraph(), IMAGE);
        Onnx.ModelProto model = assertAgrees(net, "zoo graph");
        assertThat(opTypes(model))
                .contains(
                        "Conv",
                        "Pad",
                        "MaxPool",
                        "AveragePool",
                        "BatchNormalization",
                        "Concat",
                        "Add",
                        "Sum",
                        "Sub",
                        "Mul",
                        "Mean",
                        "Max",
                        "Slice",
                        "GlobalMaxPool",
                        "GlobalAveragePool",
                        "ReduceSum",
                        "Flatten",
                        "Gemm",
                        "LeakyRelu",
                        "Elu",
                        "Clip",
                        "Sigmoid",
                        "Tanh",
                        "Softmax");
        assertThat(
                        model.getGraph().getNodeList().stream()
                                .filter(n -> n.getOpType().equals("Conv"))
                                .flatMap(n -> n.getAttributeList().stream())
                                .filter(a -> a.getName().equals("group"))
                                .mapToLong(Onnx.AttributeProto::getI)
                                .max())
                .as("the depthwise convolution is a grouped Conv")
                .hasValue(4);
    }

    @Test
    void everySupportedSequentialTypeAgreesWithOnnxRuntime() throws Exception {
        Network net = Network.of(zooSequential(), new InputShape(1, 8, 8));
        Onnx.ModelProto model = assertAgrees(net, "zoo sequential");
        assertThat(opTypes(model))
                .contains("Reshape", "HardSigmoid", "Softplus", "Selu", "Relu", "Softmax");
    }

    @Test
    void batchNormFoldsIntoTheConvolutionBeforeItAndBothFilesAgree() throws Exception {
        Network net =
                ModelSpec.resnet(20, 0.5, new InputShape(3, 12, 12), 5, 3)
                        .build(OptimizerSpec.sgd(0.1, 0));
        INDArray x = Nd4j.rand(DataType.FLOAT, 64, 3, 12, 12);
        TrainedStatistics.apply(net, x, 3);
        OnnxExporter folding = OnnxExporter.builder().build();
        OnnxExporter plain = OnnxExporter.builder().foldBatchNorm(false).build();
        assertThat(folding.foldsBatchNorm()).isTrue();
        assertThat(opTypes(folding.model(net))).doesNotContain("BatchNormalization");
        assertThat(opTypes(plain.model(net))).contains("BatchNormalization");
        INDArray expected = net.output(x);
        for (OnnxExporter e : List.of(folding, plain)) {
            try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(e.export(net))) {
                assertThat(maxDelta(ort.run(x), expected)).isLessThan(1e-4);
            }
        }
    }

    @Test
    void namesShapesOpsetAndADynamicBatch() throws Exception {
        Network net = ModelSpec.smallCnn(InputShape.MNIST, 10, 1).build(OptimizerSpec.sgd(0.1, 0));
        byte[] onnx = OnnxExporter.builder().build().export(net);
        Onnx.ModelProto model = Onnx.ModelProto.parseFrom(onnx);
        assertThat(model.getIrVersion()).isEqualTo(7);
        assertThat(model.getOpsetImport(0).getVersion()).isEqualTo(13);
        assertThat(model.getGraph().getInput(0).getType().getTensorType().getShape().getDim(0))
                .extracting(Onnx.TensorShapeProto.Dimension::getDimParam)
                .isEqualTo("batch");
        try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(onnx)) {
            NodeInfo in = ort.session().getInputInfo().get(OnnxExporter.INPUT);
            NodeInfo out = ort.session().getOutputInfo().get(OnnxExporter.OUTPUT);
            assertThat(((TensorInfo) in.getInfo()).getShape()).containsExactly(-1, 1, 28, 28);
            assertThat(((TensorInfo) out.getInfo()).getShape()).containsExactly(-1, 10);
            for (int batch : new int[] {1, 7, 64}) {
                INDArray x = Nd4j.rand(DataType.FLOAT, batch, 1, 28, 28);
                INDArray y = ort.run(x);
                assertThat(y.shape()).containsExactly(batch, 10);
                assertThat(maxDelta(y, net.output(x))).isLessThan(1e-4);
            }
        }
    }

    @Test
    void anUnsupportedLayerFailsWithOneLineNamingIt() {
        MultiLayerNetwork m =
                new MultiLayerNetwork(
                        new NeuralNetConfiguration.Builder()
                                .list()
                                .layer(
                                        new ConvolutionLayer.Builder(3, 3)
                                                .name("conv")
                                                .nOut(4)
                                                .build())
                                .layer(new LocalResponseNormalization.Builder().name("lrn").build())
                                .layer(
                                        new OutputLayer.Builder()
                                                .name("out")
                                                .nOut(3)
                                                .activation(Activation.SOFTMAX)
                                                .build())
                                .setInputType(InputType.convolutional(8, 8, 1))
                                .build());
        m.init();
        Network net = Network.of(m, new InputShape(1, 8, 8));
        assertThatThrownBy(() -> OnnxExporter.builder().build().export(net))
                .isInstanceOf(OnnxExportException.class)
                .hasMessageStartingWith(
                        "cannot export layer 'lrn' (LocalResponseNormalization) to ONNX: no"
                                + " translation for this layer type; supported: ConvolutionLayer,")
                .hasMessageNotContaining("\n");
    }

    @Test
    void anUnsupportedActivationFailsWithOneLineNamingTheLayer() {
        MultiLayerNetwork m =
                new MultiLayerNetwork(
                        new NeuralNetConfiguration.Builder()
                                .list()
                                .layer(
                                        new DenseLayer.Builder()
                                                .name("fc")
                                                .nOut(4)
                                                .activation(Activation.GELU)
                                                .build())
                                .layer(new OutputLayer.Builder().name("out").nOut(3).build())
                                .setInputType(InputType.convolutional(4, 4, 1))
                                .build());
        m.init();
        Network net = Network.of(m, new InputShape(1, 4, 4));
        assertThatThrownBy(() -> OnnxExporter.builder().build().export(net))
                .hasMessageStartingWith("cannot export layer 'fc' (ActivationGELU) to ONNX:")
                .hasMessageNotContaining("\n");
    }

    /** Exports, runs 64 inputs in ONNX Runtime and DL4J, asserts they agree; returns the model. */
    private static Onnx.ModelProto assertAgrees(Network net, String what) throws Exception {
        INDArray x = Nd4j.rand(DataType.FLOAT, net.inputShape().batchShape(64)).subi(0.5);
        TrainedStatistics.apply(net, x, 11);
        INDArray expected = net.output(x);
        for (boolean fold : new boolean[] {true, false}) {
            OnnxExporter e = OnnxExporter.builder().foldBatchNorm(fold).build();
            try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(e.export(net))) {
                double delta = maxDelta(ort.run(x), expected);
                System.out.printf(
                        Locale.ROOT, "%s, fold %s: max |delta| %.2e%n", what, fold, delta);
                assertThat(delta).as("%s, fold %s", what, fold).isLessThan(1e-4);
            }
        }
        assertThat(expected.std(0).meanNumber().doubleValue()).isGreaterThan(1e-3);
        return OnnxExporter.builder().build().model(net);
    }

    private static double maxDelta(INDArray a, INDArray b) {
        assertThat(a.shape()).isEqualTo(b.shape());
        return Transforms.abs(a.sub(b)).maxNumber().doubleValue();
    }

    private static List<String> opTypes(Onnx.ModelProto m) {
        return m.getGraph().getNodeList().stream().map(Onnx.NodeProto::getOpType).toList();
    }

    private static ConvolutionLayer conv(int out, int k, Activation a) {
        return new ConvolutionLayer.Builder(k, k).nOut(out).activation(a).build();
    }

    /** A graph with every supported layer and vertex type, in NCHW, 3 x 16 x 16 in, 5 classes. */
    private static ComputationGraph zooGraph() {
        var g =
                new NeuralNetConfiguration.Builder()
                        .seed(7)
                        .dataType(DataType.FLOAT)
                        .convolutionMode(ConvolutionMode.Same)
                        .graphBuilder()
                        .addInputs("in")
                        .setInputTypes(InputType.convolutional(16, 16, 3));
        g.addLayer(
                        "c1",
                        new ConvolutionLayer.Builder(3, 3)
                                .stride(2, 2)
                                .nOut(4)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "in")
                .addLayer("bn1", new BatchNormalization.Builder().build(), "c1")
                .addLayer(
                        "a1",
                        new ActivationLayer.Builder().activation(Activation.LEAKYRELU).build(),
                        "bn1")
                .addLayer(
                        "dw",
                        new DepthwiseConvolution2D.Builder(3, 3)
                                .depthMultiplier(2)
                                .nOut(8)
                                .activation(Activation.IDENTITY)
                                .build(),
                        "a1")
                .addLayer("bn2", new BatchNormalization.Builder().useLogStd(false).build(), "dw")
                .addLayer("pad", new ZeroPaddingLayer.Builder(1, 0, 2, 1).build(), "bn2")
                .addLayer(
                        "c2",
                        new ConvolutionLayer.Builder(3, 3)
                                .convolutionMode(ConvolutionMode.Truncate)
                                .padding(1, 1)
                                .dilation(2, 2)
                                .nOut(6)
                                .activation(Activation.ELU)
                                .build(),
                        "pad")
                .addLayer(
                        "bn3",
                        new BatchNormalization.Builder()
                                .lockGammaBeta(true)
                                .gamma(1.5)
                                .beta(0.2)
                                .build(),
                        "c2")
                .addLayer(
                        "mp",
                        new SubsamplingLayer.Builder(PoolingType.MAX)
                                .kernelSize(3, 3)
                                .stride(2, 2)
                                .build(),
                        "bn3")
                .addLayer(
                        "ap",
                        new SubsamplingLayer.Builder(PoolingType.AVG)
                                .kernelSize(2, 2)
                                .stride(1, 1)
                                .padding(1, 1)
                                .convolutionMode(ConvolutionMode.Truncate)
                                .build(),
                        "mp")
                .addLayer(
                        "aps",
                        new SubsamplingLayer.Builder(PoolingType.AVG)
                                .kernelSize(3, 3)
                                .stride(2, 2)
                                .build(),
                        "ap")
                .addLayer("b1", conv(3, 1, Activation.RELU6), "aps")
                .addLayer("b2", conv(3, 1, Activation.SIGMOID), "aps")
                .addLayer("b3", conv(3, 3, Activation.TANH), "aps")
                .addVertex("sum", new ElementWiseVertex(ElementWiseVertex.Op.Add), "b1", "b2")
                .addVertex(
                        "sum3", new ElementWiseVertex(ElementWiseVertex.Op.Add), "b1", "b2", "b3")
                .addVertex("sub", new ElementWiseVertex(ElementWiseVertex.Op.Subtract), "b1", "b3")
                .addVertex(
                        "prod",
                        new ElementWiseVertex(ElementWiseVertex.Op.Product),
                        "b1",
                        "b2",
                        "b3")
                .addVertex("avg", new ElementWiseVertex(ElementWiseVertex.Op.Average), "b2", "b3")
                .addVertex("max", new ElementWiseVertex(ElementWiseVertex.Op.Max), "b1", "b3")
                .addVertex("scale", new ScaleVertex(0.5), "sum")
                .addVertex("shift", new ShiftVertex(0.1), "prod")
                .addVertex("cat", new MergeVertex(), "scale", "shift", "sub", "avg", "max", "sum3")
                .addLayer("drop", new DropoutLayer.Builder(0.5).build(), "cat")
                .addLayer("gmax", new GlobalPoolingLayer.Builder(PoolingType.MAX).build(), "drop")
                .addLayer("gavg", new GlobalPoolingLayer.Builder(PoolingType.AVG).build(), "drop")
                .addLayer("gsum", new GlobalPoolingLayer.Builder(PoolingType.SUM).build(), "drop")
                // on flat activations: DL4J infers 0 channels for a subset of images
                .addVertex("subset", new SubsetVertex(1, 2), "gsum")
                .addVertex("pooled", new MergeVertex(), "gmax", "gavg", "subset")
                .addLayer(
                        "d1",
                        new DenseLayer.Builder().nOut(12).activation(Activation.TANH).build(),
                        "pooled")
                .addLayer("bnd", new BatchNormalization.Builder().build(), "d1")
                .addLayer(
                        "d2",
                        new FrozenLayerWithBackprop(
                                new DenseLayer.Builder()
                                        .nOut(10)
                                        .activation(Activation.IDENTITY)
                                        .build()),
                        "bnd")
                .addLayer("bnf", new BatchNormalization.Builder().build(), "d2")
                .addLayer(
                        "sw",
                        new ActivationLayer.Builder().activation(Activation.SWISH).build(),
                        "bnf")
                .addLayer(
                        "out",
                        new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                .nOut(5)
                                .activation(Activation.SOFTMAX)
                                .build(),
                        "sw")
                .setOutputs("out");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return net;
    }

    /**
     * A sequential network with the types the graph leaves out: DL4J's own flatten before a dense
     * layer, an explicit reshape back to images, more activations, a loss layer as output.
     */
    private static MultiLayerNetwork zooSequential() {
        MultiLayerNetwork m =
                new MultiLayerNetwork(
                        new NeuralNetConfiguration.Builder()
                                .seed(3)
                                .dataType(DataType.FLOAT)
                                .convolutionMode(ConvolutionMode.Same)
                                .list()
                                .layer(conv(4, 3, Activation.RELU))
                                .layer(
                                        new DenseLayer.Builder()
                                                .nOut(48)
                                                .activation(Activation.HARDSIGMOID)
                                                .build())
                                .layer(conv(3, 3, Activation.SOFTPLUS))
                                .layer(new GlobalPoolingLayer.Builder(PoolingType.AVG).build())
                                .layer(
                                        new DenseLayer.Builder()
                                                .nOut(8)
                                                .activation(Activation.SELU)
                                                .build())
                                .layer(
                                        new DenseLayer.Builder()
                                                .nOut(4)
                                                .hasBias(false)
                                                .activation(Activation.IDENTITY)
                                                .build())
                                .layer(
                                        new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                                                .activation(Activation.SOFTMAX)
                                                .build())
                                .inputPreProcessor(2, new FeedForwardToCnnPreProcessor(4, 4, 3))
                                .setInputType(InputType.convolutional(8, 8, 1))
                                .build());
        m.init();
        return m;
    }
}
