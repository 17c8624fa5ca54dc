package io.prunestream.core.group;

import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.Network;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.learning.config.Sgd;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Small DL4J networks built by hand, one per topology the group finder has to handle: an MLP, an
 * inception-like block with a concatenation, a ResNet-20-like graph with projection shortcuts, a
 * depthwise-separable stack and a VGG with BatchNorm and a dense classifier after a flatten. Layers
 * use varied activations (sigmoid, tanh) so a surgery that is only right for ReLU fails.
 */
public final class GraphFixtures {
    private GraphFixtures() {}

    public static final int CLASSES = 4;

    private static NeuralNetConfiguration.Builder base() {
        return new NeuralNetConfiguration.Builder()
                .seed(7)
                .dataType(DataType.FLOAT)
                .updater(new Sgd(0.05))
                .weightInit(WeightInit.RELU)
                .convolutionMode(ConvolutionMode.Same);
    }

    static ConvolutionLayer conv(int out, int kernel, int stride, Activation a) {
        return new ConvolutionLayer.Builder(kernel, kernel)
                .stride(stride, stride)
                .nOut(out)
                .activation(a)
                .build();
    }

    static ConvolutionLayer conv(int out, int kernel) {
        return conv(out, kernel, 1, Activation.IDENTITY);
    }

    static BatchNormalization bn() {
        return new BatchNormalization.Builder().build();
    }

    static ActivationLayer act(Activation a) {
        return new ActivationLayer.Builder().activation(a).build();
    }

    static DenseLayer dense(int out, Activation a) {
        return new DenseLayer.Builder().nOut(out).activation(a).build();
    }

    static OutputLayer output() {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .nOut(CLASSES)
                .activation(Activation.SOFTMAX)
                .weightInit(WeightInit.XAVIER)
                .build();
    }

    static GlobalPoolingLayer gap() {
        return new GlobalPoolingLayer.Builder(PoolingType.AVG).collapseDimensions(true).build();
    }

    private static Network graph(ComputationGraphConfiguration.GraphBuilder g, InputShape in) {
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return Network.of(net, in);
    }

    private static ComputationGraphConfiguration.GraphBuilder graphBuilder(InputShape in) {
        return base().graphBuilder().addInputs("in").setInputTypes(in.toInputType());
    }

    /**
     * An MLP on 12 features (a [12, 1, 1] input, flattened by DL4J): h1 (16, relu) - BatchNorm - h2
     * (10, sigmoid) - dropout - h3 (8, tanh) - out (4). Layers 0..5.
     */
    public static Network mlp() {
        InputShape in = new InputShape(12, 1, 1);
        MultiLayerConfiguration conf =
                base().list()
                        .layer(
                                new DenseLayer.Builder()
                                        .name("h1")
                                        .nOut(16)
                                        .activation(Activation.RELU)
                                        .build())
                        .layer(new BatchNormalization.Builder().name("h1_bn").build())
                        .layer(
                                new DenseLayer.Builder()
                                        .name("h2")
                                        .nOut(10)
                                        .activation(Activation.SIGMOID)
                                        .build())
                        .layer(new DropoutLayer.Builder(0.8).name("drop").build())
                        .layer(
                                new DenseLayer.Builder()
                                        .name("h3")
                                        .nOut(8)
                                        .activation(Activation.TANH)
                                        .build())
                        .layer(output())
                        .setInputType(in.toInputType())
                        .build();
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return Network.of(net, in);
    }

    /**
     * An inception-like block on a 3x8x8 input: a stem conv (8), four branches - b1 1x1 (4), b2 1x1
     * (6) then 3x3 (6) with BatchNorm, b3 max-pool then 1x1 (2), and the stem itself - joined by a
     * concatenation (4 + 6 + 2 + 8 = 20 channels), then BatchNorm, a 3x3 head conv (10), global
     * pooling and the classifier.
     */
    public static Network inception() {
        InputShape in = new InputShape(3, 8, 8);
        ComputationGraphConfiguration.GraphBuilder g =
                graphBuilder(in)
                        .addLayer("stem", conv(8, 3), "in")
                        .addLayer("stem_bn", bn(), "stem")
                        .addLayer("stem_relu", act(Activation.RELU), "stem_bn")
                        .addLayer("b1", conv(4, 1, 1, Activation.TANH), "stem_relu")
                        .addLayer("b2a", conv(6, 1, 1, Activation.RELU), "stem_relu")
                        .addLayer("b2b", conv(6, 3), "b2a")
                        .addLayer("b2_bn", bn(), "b2b")
                        .addLayer("b2_relu", act(Activation.RELU), "b2_bn")
                        .addLayer(
                                "b3_pool",
                                new SubsamplingLayer.Builder(PoolingType.MAX)
                                        .kernelSize(3, 3)
                                        .stride(1, 1)
                                        .build(),
                                "stem_relu")
                        .addLayer("b3", conv(2, 1, 1, Activation.SIGMOID), "b3_pool")
                        .addVertex("cat", new MergeVertex(), "b1", "b2_relu", "b3", "stem_relu")
                        .addLayer("cat_bn", bn(), "cat")
                        .addLayer("cat_relu", act(Activation.RELU), "cat_bn")
                        .addLayer("head", conv(10, 3, 1, Activation.RELU), "cat_relu")
                        .addLayer("gap", gap(), "head")
                        .addLayer("out", output(), "gap")
                        .setOutputs("out");
        return graph(g, in);
    }

    /**
     * A ResNet-20-like graph on 3x12x12: stem conv (8), three stages of three basic blocks (8, 16,
     * 32 channels), each block conv1-bn1-relu1-conv2-bn2 added to its shortcut - the identity, or a
     * strided 1x1 conv with BatchNorm where the width or size changes (the common projection
     * shortcut) - then relu2; global pooling and the classifier.
     */
    public static Network resnet20() {
        InputShape in = new InputShape(3, 12, 12);
        ComputationGraphConfiguration.GraphBuilder g =
                graphBuilder(in)
                        .addLayer("stem_conv", conv(8, 3), "in")
                        .addLayer("stem_bn", bn(), "stem_conv")
                        .addLayer("stem_relu", act(Activation.RELU), "stem_bn");
        String x = "stem_relu";
        int width = 8;
        int[] widths = {8, 16, 32};
        for (int s = 0; s < 3; s++) {
            for (int b = 0; b < 3; b++) {
                int out = widths[s];
                int stride = s > 0 && b == 0 ? 2 : 1;
                String p = "s" + (s + 1) + "b" + b + "_";
                g.addLayer(p + "conv1", conv(out, 3, stride, Activation.IDENTITY), x)
                        .addLayer(p + "bn1", bn(), p + "conv1")
                        .addLayer(p + "relu1", act(Activation.RELU), p + "bn1")
                        .addLayer(p + "conv2", conv(out, 3), p + "relu1")
                        .addLayer(p + "bn2", bn(), p + "conv2");
                String shortcut = x;
                if (stride != 1 || out != width) {
                    g.addLayer(p + "sc_conv", conv(out, 1, stride, Activation.IDENTITY), x)
                            .addLayer(p + "sc_bn", bn(), p + "sc_conv");
                    shortcut = p + "sc_bn";
                }
                g.addVertex(
                                p + "add",
                                new ElementWiseVertex(ElementWiseVertex.Op.Add),
                                p + "bn2",
                                shortcut)
                        .addLayer(p + "relu2", act(Activation.RELU), p + "add");
                x = p + "relu2";
                width = out;
            }
        }
        g.addLayer("gap", gap(), x).addLayer("out", output(), "gap").setOutputs("out");
        return graph(g, in);
    }

    /**
     * Depthwise-separable convolutions on 3x8x8: a depthwise conv on the input (multiplier 2), then
     * pw0 1x1 (8) - dw1 (multiplier 1) - pw1 1x1 (12) - dw2 (multiplier 2, 24 channels) - pw2 1x1
     * (10), with BatchNorms, then global pooling, a dense layer (6) and the classifier.
     */
    public static Network separable() {
        InputShape in = new InputShape(3, 8, 8);
        ComputationGraphConfiguration.GraphBuilder g =
                graphBuilder(in)
                        .addLayer("dw_in", depthwise(2, Activation.IDENTITY), "in")
                        .addLayer("bn0", bn(), "dw_in")
                        .addLayer("relu0", act(Activation.RELU), "bn0")
                        .addLayer("pw0", conv(8, 1), "relu0")
                        .addLayer("bn1", bn(), "pw0")
                        .addLayer("relu1", act(Activation.RELU), "bn1")
                        .addLayer("dw1", depthwise(1, Activation.IDENTITY), "relu1")
                        .addLayer("bn2", bn(), "dw1")
                        .addLayer("relu2", act(Activation.TANH), "bn2")
                        .addLayer("pw1", conv(12, 1), "relu2")
                        .addLayer("bn3", bn(), "pw1")
                        .addLayer("relu3", act(Activation.RELU), "bn3")
                        .addLayer("dw2", depthwise(2, Activation.SIGMOID), "relu3")
                        .addLayer("pw2", conv(10, 1, 1, Activation.RELU), "dw2")
                        .addLayer("gap", gap(), "pw2")
                        .addLayer("fc", dense(6, Activation.RELU), "gap")
                        .addLayer("out", output(), "fc")
                        .setOutputs("out");
        return graph(g, in);
    }

    /**
     * A concatenation added to a conv's output, on 3x6x6: p (10) comes first, then a (4) and b (6),
     * concatenated and added to p, then read by c (5). Channels 0-3 of p go with a's, 4-9 with b's:
     * p's filters fall into two groups.
     */
    public static Network concatIntoAdd() {
        InputShape in = new InputShape(3, 6, 6);
        ComputationGraphConfiguration.GraphBuilder g =
                graphBuilder(in)
                        .addLayer("p", conv(10, 3), "in")
                        .addLayer("p_bn", bn(), "p")
                        .addLayer("a", conv(4, 3, 1, Activation.TANH), "in")
                        .addLayer("b", conv(6, 1), "in")
                        .addVertex("cat", new MergeVertex(), "a", "b")
                        .addVertex(
                                "sum",
                                new ElementWiseVertex(ElementWiseVertex.Op.Add),
                                "cat",
                                "p_bn")
                        .addLayer("relu", act(Activation.RELU), "sum")
                        .addLayer("c", conv(5, 3, 1, Activation.RELU), "relu")
                        .addLayer("gap", gap(), "c")
                        .addLayer("out", output(), "gap")
                        .setOutputs("out");
        return graph(g, in);
    }

    static DepthwiseConvolution2D depthwise(int multiplier, Activation a) {
        return new DepthwiseConvolution2D.Builder(3, 3)
                .depthMultiplier(multiplier)
                .activation(a)
                .build();
    }

    /**
     * A VGG with BatchNorm on 3x8x8: conv1 (8) - pool - conv2 (16) - pool - conv3 (16), each with
     * BatchNorm and ReLU, then an explicit flatten vertex (16 channels x 2 x 2), fc1 (32) - dropout
     * - fc2 (16) and the classifier: the classic VGG head.
     */
    public static Network vggBn() {
        InputShape in = new InputShape(3, 8, 8);
        ComputationGraphConfiguration.GraphBuilder g =
                graphBuilder(in)
                        .addLayer("conv1", conv(8, 3), "in")
                        .addLayer("bn1", bn(), "conv1")
                        .addLayer("relu1", act(Activation.RELU), "bn1")
                        .addLayer("pool1", pool(), "relu1")
                        .addLayer("conv2", conv(16, 3), "pool1")
                        .addLayer("bn2", bn(), "conv2")
                        .addLayer("relu2", act(Activation.RELU), "bn2")
                        .addLayer("pool2", pool(), "relu2")
                        .addLayer("conv3", conv(16, 3), "pool2")
                        .addLayer("bn3", bn(), "conv3")
                        .addLayer("relu3", act(Activation.RELU), "bn3")
                        .addVertex(
                                "flat",
                                new PreprocessorVertex(new CnnToFeedForwardPreProcessor(2, 2, 16)),
                                "relu3")
                        .addLayer("fc1", dense(32, Activation.RELU), "flat")
                        .addLayer("drop", new DropoutLayer.Builder(0.5).build(), "fc1")
                        .addLayer("fc2", dense(16, Activation.TANH), "drop")
                        .addLayer("out", output(), "fc2")
                        .setOutputs("out");
        return graph(g, in);
    }

    private static SubsamplingLayer pool() {
        return new SubsamplingLayer.Builder(PoolingType.MAX)
                .kernelSize(2, 2)
                .stride(2, 2)
                .convolutionMode(ConvolutionMode.Truncate)
                .build();
    }
}
