package io.prunestream.core.nn.imports;

import io.prunestream.core.config.UsageException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.GradientNormalization;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.LossLayer;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.activations.IActivation;
import org.nd4j.linalg.activations.impl.ActivationIdentity;
import org.nd4j.linalg.activations.impl.ActivationSoftmax;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.NoOp;
import org.nd4j.linalg.lossfunctions.LossFunctions;
import org.nd4j.linalg.lossfunctions.impl.LossMCXENT;

/**
 * Makes a network read from a file end as runs train it: softmax with cross-entropy. A final dense
 * layer (linear or softmax, optionally followed by a softmax activation or a cross-entropy loss
 * layer) becomes one {@link OutputLayer} with the dense layer's weights, as the built-in models
 * end; any other ending gets a {@link LossLayer} appended. An output layer with another loss or
 * activation (a regression, a multi-label sigmoid) is refused: runs train classifiers.
 */
final class ClassifierHead {
    private ClassifierHead() {}

    /** The name of an appended loss layer. */
    static final String LOSS = "loss";

    /** Whether a layer already ends a network as runs train it. */
    static boolean isClassifierOutput(Layer l) {
        return l instanceof BaseOutputLayer o
                && o.getLossFn() instanceof LossMCXENT
                && o.getActivationFn() instanceof ActivationSoftmax;
    }

    /** What to do at the end of a chain of single-input, single-consumer layers (output first). */
    private record Plan(int dense, boolean appendLoss, IActivation lossActivation) {
        static final Plan KEEP = new Plan(-1, false, null);
    }

    private static Plan plan(List<String> chain, List<Layer> layers, Path file) {
        Layer last = layers.get(0);
        if (isClassifierOutput(last)) {
            return Plan.KEEP;
        }
        int i = 0;
        boolean loss = false;
        if (last.getClass() == LossLayer.class) {
            LossLayer l = (LossLayer) last;
            if (!(l.getLossFn() instanceof LossMCXENT)) {
                throw refused(file, chain.get(0), "a loss layer with " + l.getLossFn());
            }
            loss = true;
            i++;
        }
        boolean softmax = false;
        if (i < layers.size()
                && layers.get(i) instanceof ActivationLayer a
                && a.getActivationFn() instanceof ActivationSoftmax) {
            softmax = true;
            i++;
        }
        if (i < layers.size() && layers.get(i).getClass() == DenseLayer.class) {
            IActivation act = ((DenseLayer) layers.get(i)).getActivationFn();
            if (act instanceof ActivationIdentity
                    || (act instanceof ActivationSoftmax && !softmax)) {
                return new Plan(i, false, null);
            }
        }
        if (last instanceof BaseOutputLayer o && !loss) {
            throw refused(
                    file,
                    chain.get(0),
                    "an output layer with " + o.getActivationFn() + " and " + o.getLossFn());
        }
        if (loss
                && (softmax || ((LossLayer) last).getActivationFn() instanceof ActivationSoftmax)) {
            return Plan.KEEP;
        }
        boolean endsInSoftmax =
                softmax && i == 1
                        || last instanceof BaseLayer b
                                && b.getActivationFn() instanceof ActivationSoftmax;
        return new Plan(
                -1, true, endsInSoftmax ? new ActivationIdentity() : new ActivationSoftmax());
    }

    private static UsageException refused(Path file, String node, String what) {
        return new UsageException(
                file
                        + ": layer '"
                        + node
                        + "' is "
                        + what
                        + ": prunestream trains classifiers (softmax and cross-entropy); give a"
                        + " model whose output is class scores");
    }

    static Model ensure(Model net, Path file) {
        return net instanceof ComputationGraph g
                ? graph(g, file)
                : sequential((MultiLayerNetwork) net, file);
    }

    private static Model sequential(MultiLayerNetwork net, Path file) {
        MultiLayerConfiguration conf = net.getLayerWiseConfigurations().clone();
        List<NeuralNetConfiguration> confs = conf.getConfs();
        List<String> chain = new ArrayList<>();
        List<Layer> layers = new ArrayList<>();
        for (int i = confs.size() - 1; i >= 0 && chain.size() < 3; i--) {
            chain.add(Integer.toString(i));
            layers.add(confs.get(i).getLayer());
        }
        Plan p = plan(chain, layers, file);
        if (p == Plan.KEEP) {
            return net;
        }
        int last = confs.size() - 1;
        if (p.appendLoss()) {
            NeuralNetConfiguration c = confs.get(last).clone();
            c.setLayer(lossLayer(p.lossActivation()));
            confs.add(c);
        } else {
            int dense = last - p.dense();
            confs.get(dense).setLayer(outputFrom((DenseLayer) confs.get(dense).getLayer()));
            while (confs.size() > dense + 1) {
                conf.getInputPreProcessors().remove(confs.size() - 1);
                confs.remove(confs.size() - 1);
            }
        }
        MultiLayerNetwork out =
                new MultiLayerNetwork(MultiLayerConfiguration.fromJson(conf.toJson()));
        out.init();
        copyParams(net, out);
        return out;
    }

    private static Model graph(ComputationGraph net, Path file) {
        ComputationGraphConfiguration conf = net.getConfiguration().clone();
        if (conf.getNetworkOutputs().size() != 1) {
            throw new UsageException(
                    file
                            + ": the model has "
                            + conf.getNetworkOutputs().size()
                            + " outputs "
                            + conf.getNetworkOutputs()
                            + ": prunestream trains classifiers with one output");
        }
        Map<String, GraphVertex> vertices = conf.getVertices();
        Map<String, List<String>> inputs = conf.getVertexInputs();
        List<String> chain = new ArrayList<>();
        List<Layer> layers = new ArrayList<>();
        String at = conf.getNetworkOutputs().get(0);
        while (chain.size() < 3 && vertices.get(at) instanceof LayerVertex lv) {
            chain.add(at);
            layers.add(lv.getLayerConf().getLayer());
            List<String> in = inputs.getOrDefault(at, List.of());
            if (in.size() != 1 || consumers(inputs, in.get(0)) != 1) {
                break;
            }
            at = in.get(0);
        }
        if (chain.isEmpty()) {
            throw new UsageException(
                    file
                            + ": the model's output '"
                            + at
                            + "' is not a layer: prunestream trains classifiers whose last layer"
                            + " gives class scores");
        }
        Plan p = plan(chain, layers, file);
        if (p == Plan.KEEP) {
            return net;
        }
        if (p.appendLoss()) {
            LayerVertex last = (LayerVertex) vertices.get(chain.get(0));
            NeuralNetConfiguration c = last.getLayerConf().clone();
            c.setLayer(lossLayer(p.lossActivation()));
            String name = vertices.containsKey(LOSS) ? LOSS + "_" + vertices.size() : LOSS;
            vertices.put(name, new LayerVertex(c, null));
            inputs.put(name, List.of(chain.get(0)));
            conf.setNetworkOutputs(new ArrayList<>(List.of(name)));
        } else {
            String dense = chain.get(p.dense());
            NeuralNetConfiguration c = ((LayerVertex) vertices.get(dense)).getLayerConf();
            c.setLayer(outputFrom((DenseLayer) c.getLayer()));
            for (int i = 0; i < p.dense(); i++) {
                vertices.remove(chain.get(i));
                inputs.remove(chain.get(i));
            }
            conf.setNetworkOutputs(new ArrayList<>(List.of(dense)));
        }
        conf.setTopologicalOrder(null);
        conf.setTopologicalOrderStr(null);
        ComputationGraph out =
                new ComputationGraph(ComputationGraphConfiguration.fromJson(conf.toJson()));
        out.init();
        copyParams(net, out);
        return out;
    }

    private static int consumers(Map<String, List<String>> inputs, String node) {
        int n = 0;
        for (List<String> in : inputs.values()) {
            n += (int) in.stream().filter(node::equals).count();
        }
        return n;
    }

    private static void copyParams(Model from, Model to) {
        Map<String, INDArray> target = to.paramTable();
        for (Map.Entry<String, INDArray> e : from.paramTable().entrySet()) {
            INDArray t = target.get(e.getKey());
            if (t != null) {
                t.assign(e.getValue());
            }
        }
    }

    /** An output layer with the dense layer's shape, bias and training settings. */
    static OutputLayer outputFrom(DenseLayer d) {
        OutputLayer o =
                new OutputLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .name(d.getLayerName())
                        .nIn(d.getNIn())
                        .nOut(d.getNOut())
                        .hasBias(d.hasBias())
                        .activation(Activation.SOFTMAX)
                        .build();
        o.setIUpdater(d.getIUpdater());
        o.setBiasUpdater(d.getBiasUpdater());
        o.setWeightInitFn(d.getWeightInitFn());
        o.setBiasInit(d.getBiasInit());
        o.setGainInit(d.getGainInit());
        o.setRegularization(d.getRegularization());
        o.setRegularizationBias(d.getRegularizationBias());
        o.setIDropout(d.getIDropout());
        o.setWeightNoise(d.getWeightNoise());
        o.setGradientNormalization(d.getGradientNormalization());
        o.setGradientNormalizationThreshold(d.getGradientNormalizationThreshold());
        return o;
    }

    static LossLayer lossLayer(IActivation activation) {
        LossLayer l =
                new LossLayer.Builder(LossFunctions.LossFunction.MCXENT)
                        .name(LOSS)
                        .activation(activation)
                        .build();
        l.setIUpdater(new NoOp());
        l.setGradientNormalization(GradientNormalization.None);
        return l;
    }
}
