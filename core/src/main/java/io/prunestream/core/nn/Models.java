package io.prunestream.core.nn;

import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.ConvolutionMode;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.ElementWiseVertex;
import org.deeplearning4j.nn.conf.graph.MergeVertex;
import org.deeplearning4j.nn.conf.graph.ScaleVertex;
import org.deeplearning4j.nn.conf.graph.SubsetVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.conf.layers.PoolingType;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.nn.weights.WeightInit;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.lossfunctions.LossFunctions;

/**
 * Builders for the networks the method is evaluated on. Convolutions followed by BatchNorm have no
 * bias, as in the authors' models; every layer has a name, so reports and ratio patterns can refer
 * to it.
 */
public final class Models {
    private Models() {}

    private static final int[][] VGG_LAYOUTS = {
        // 0 stands for a 2x2 max-pool
        {64, 0, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512},
        {64, 64, 0, 128, 128, 0, 256, 256, 0, 512, 512, 0, 512, 512},
        {64, 64, 0, 128, 128, 0, 256, 256, 256, 0, 512, 512, 512, 0, 512, 512, 512},
        {64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512},
    };

    public static Network build(ModelSpec spec, OptimizerSpec optimizer) {
        return switch (spec.kind()) {
            case SMALL_CNN -> smallCnn(spec, optimizer);
            case LENET -> lenet(spec, optimizer);
            case VGG -> vgg(spec, optimizer);
            case RESNET -> resnet(spec, optimizer);
        };
    }

    private static NeuralNetConfiguration.Builder base(ModelSpec spec, OptimizerSpec opt) {
        NeuralNetConfiguration.Builder b =
                new NeuralNetConfiguration.Builder()
                        .seed(spec.seed())
                        .dataType(DataType.FLOAT)
                        .updater(opt.toUpdater())
                        .weightInit(WeightInit.RELU)
                        .convolutionMode(ConvolutionMode.Same)
                        .trainingWorkspaceMode(WorkspaceMode.ENABLED)
                        .inferenceWorkspaceMode(WorkspaceMode.ENABLED);
        if (opt.weightDecay() > 0) {
            b.l2(opt.weightDecay()).l2Bias(opt.weightDecay());
        }
        return b;
    }

    private static ConvolutionLayer conv(String name, int out, int kernel, int stride) {
        return new ConvolutionLayer.Builder(kernel, kernel)
                .name(name)
                .stride(stride, stride)
                .nOut(out)
                .hasBias(false)
                .activation(Activation.IDENTITY)
                .build();
    }

    private static ConvolutionLayer reluConv(String name, int out, int kernel) {
        return new ConvolutionLayer.Builder(kernel, kernel)
                .name(name)
                .nOut(out)
                .activation(Activation.RELU)
                .build();
    }

    private static DenseLayer dense(String name, int out) {
        return new DenseLayer.Builder().name(name).nOut(out).activation(Activation.RELU).build();
    }

    private static BatchNormalization bn(String name) {
        return new BatchNormalization.Builder().name(name).build();
    }

    private static ActivationLayer relu(String name) {
        return new ActivationLayer.Builder().name(name).activation(Activation.RELU).build();
    }

    private static SubsamplingLayer maxPool(String name) {
        return new SubsamplingLayer.Builder(PoolingType.MAX)
                .name(name)
                .kernelSize(2, 2)
                .stride(2, 2)
                .convolutionMode(ConvolutionMode.Truncate)
                .build();
    }

    private static OutputLayer output(int classes) {
        return new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                .name("out")
                .nOut(classes)
                .activation(Activation.SOFTMAX)
                .weightInit(WeightInit.XAVIER)
                .build();
    }

    private static Network smallCnn(ModelSpec spec, OptimizerSpec opt) {
        NeuralNetConfiguration.ListBuilder lb = base(spec, opt).list();
        int[] widths = {spec.scaled(16), spec.scaled(32), spec.scaled(64)};
        for (int i = 0; i < widths.length; i++) {
            int k = i + 1;
            lb.layer(conv("conv" + k, widths[i], 3, 1))
                    .layer(bn("bn" + k))
                    .layer(relu("relu" + k))
                    .layer(maxPool("pool" + k));
        }
        lb.layer(dense("fc1", spec.scaled(128)))
                .layer(output(spec.classes()))
                .setInputType(spec.input().toInputType());
        return init(lb.build(), spec.input());
    }

    private static Network lenet(ModelSpec spec, OptimizerSpec opt) {
        MultiLayerConfiguration conf =
                base(spec, opt)
                        .convolutionMode(ConvolutionMode.Truncate)
                        .list()
                        .layer(reluConv("conv1", spec.scaled(20), 5))
                        .layer(maxPool("pool1"))
                        .layer(reluConv("conv2", spec.scaled(50), 5))
                        .layer(maxPool("pool2"))
                        .layer(dense("fc1", spec.scaled(128)))
                        .layer(output(spec.classes()))
                        .setInputType(spec.input().toInputType())
                        .build();
        return init(conf, spec.input());
    }

    private static Network vgg(ModelSpec spec, OptimizerSpec opt) {
        int[] layout =
                switch (spec.depth()) {
                    case 11 -> VGG_LAYOUTS[0];
                    case 13 -> VGG_LAYOUTS[1];
                    case 16 -> VGG_LAYOUTS[2];
                    default -> VGG_LAYOUTS[3];
                };
        NeuralNetConfiguration.ListBuilder lb = base(spec, opt).list();
        int size = Math.min(spec.input().height(), spec.input().width());
        int convIndex = 0;
        int poolIndex = 0;
        for (int c : layout) {
            if (c == 0) {
                // a pool that would shrink the map below 1x1 is left out (small inputs)
                if (size >= 2) {
                    lb.layer(maxPool("pool" + ++poolIndex));
                    size /= 2;
                }
                continue;
            }
            convIndex++;
            lb.layer(conv("conv" + convIndex, spec.scaled(c), 3, 1))
                    .layer(bn("bn" + convIndex))
                    .layer(relu("relu" + convIndex));
        }
        lb.layer(
                        new GlobalPoolingLayer.Builder(PoolingType.AVG)
                                .name("gap")
                                .collapseDimensions(true)
                                .build())
                .layer(output(spec.classes()))
                .setInputType(spec.input().toInputType());
        return init(lb.build(), spec.input());
    }

    private static Network resnet(ModelSpec spec, OptimizerSpec opt) {
        int blocks = (spec.depth() - 2) / 6;
        ComputationGraphConfiguration.GraphBuilder g =
                base(spec, opt)
                        .graphBuilder()
                        .addInputs("input")
                        .setInputTypes(spec.input().toInputType());
        int width = spec.scaled(16);
        g.addLayer("stem_conv", conv("stem_conv", width, 3, 1), "input")
                .addLayer("stem_bn", bn("stem_bn"), "stem_conv")
                .addLayer("stem_relu", relu("stem_relu"), "stem_bn");
        String in = "stem_relu";
        int[] stageWidths = {spec.scaled(16), spec.scaled(32), spec.scaled(64)};
        for (int s = 0; s < 3; s++) {
            for (int b = 0; b < blocks; b++) {
                int out = stageWidths[s];
                int stride = (s > 0 && b == 0) ? 2 : 1;
                String p = "s" + (s + 1) + "b" + b + "_";
                g.addLayer(p + "conv1", conv(p + "conv1", out, 3, stride), in)
                        .addLayer(p + "bn1", bn(p + "bn1"), p + "conv1")
                        .addLayer(p + "relu1", relu(p + "relu1"), p + "bn1")
                        .addLayer(p + "conv2", conv(p + "conv2", out, 3, 1), p + "relu1")
                        .addLayer(p + "bn2", bn(p + "bn2"), p + "conv2");
                String shortcut = in;
                if (stride != 1 || out != width) {
                    shortcut = optionAShortcut(g, p, in, width, out - width, stride);
                }
                g.addVertex(
                                p + "add",
                                new ElementWiseVertex(ElementWiseVertex.Op.Add),
                                p + "bn2",
                                shortcut)
                        .addLayer(p + "relu2", relu(p + "relu2"), p + "add");
                in = p + "relu2";
                width = out;
            }
        }
        g.addLayer(
                        "gap",
                        new GlobalPoolingLayer.Builder(PoolingType.AVG)
                                .collapseDimensions(true)
                                .build(),
                        in)
                .addLayer("out", output(spec.classes()), "gap")
                .setOutputs("out");
        ComputationGraph net = new ComputationGraph(g.build());
        net.init();
        return Network.of(net, spec.input());
    }

    /**
     * The paper's option-A shortcut: take every second pixel and append zero channels. DL4J has no
     * zero-padding along channels, so the zeros come from scaling the subsampled input by 0 and
     * concatenating. The paper pads half the zeros before and half after the input channels; here
     * all come after, which is the same network up to a fixed permutation of channels. No
     * parameters either way.
     */
    private static String optionAShortcut(
            ComputationGraphConfiguration.GraphBuilder g,
            String p,
            String in,
            int inChannels,
            int extraChannels,
            int stride) {
        String sub = in;
        if (stride != 1) {
            g.addLayer(
                    p + "sub",
                    new SubsamplingLayer.Builder(PoolingType.MAX)
                            .kernelSize(1, 1)
                            .stride(stride, stride)
                            .build(),
                    in);
            sub = p + "sub";
        }
        List<String> parts = new ArrayList<>();
        parts.add(sub);
        if (extraChannels > 0) {
            g.addVertex(p + "zero", new ScaleVertex(0.0), sub);
            int remaining = extraChannels;
            while (remaining >= inChannels) {
                parts.add(p + "zero");
                remaining -= inChannels;
            }
            if (remaining > 0) {
                g.addVertex(p + "zero_part", new SubsetVertex(0, remaining - 1), p + "zero");
                parts.add(p + "zero_part");
            }
        }
        if (parts.size() == 1) {
            return sub;
        }
        g.addVertex(p + "pad", new MergeVertex(), parts.toArray(new String[0]));
        return p + "pad";
    }

    private static Network init(MultiLayerConfiguration conf, InputShape input) {
        MultiLayerNetwork net = new MultiLayerNetwork(conf);
        net.init();
        return Network.of(net, input);
    }
}
