package io.prunestream.core.nn.exports;

import io.prunestream.core.nn.Network;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Gives a freshly initialised network's BatchNorm layers what training would: gamma and beta away
 * from 1 and 0, running mean and variance of the activations they really see. A fresh network has
 * mean 0, variance 1, gamma 1, beta 0 everywhere, and a BatchNorm fold that ignored them would
 * still pass.
 */
final class TrainedStatistics {
    private TrainedStatistics() {}

    static void apply(Network net, INDArray x, long seed) {
        Random r = new Random(seed);
        Map<String, INDArray> params = net.paramTable();
        for (String key : params.keySet()) {
            INDArray p = params.get(key);
            if (key.endsWith("_gamma")) {
                p.assign(uniform(r, p, 0.5, 1.5));
            } else if (key.endsWith("_beta")) {
                p.assign(uniform(r, p, -0.3, 0.3));
            }
        }
        // in training mode each BatchNorm normalises with its batch's statistics: storing those as
        // running statistics makes inference on this batch compute the same activations
        Map<String, INDArray> inputs = batchNormInputs(net, x);
        for (Map.Entry<String, INDArray> e : inputs.entrySet()) {
            INDArray a = e.getValue();
            int[] dims = a.rank() == 4 ? new int[] {0, 2, 3} : new int[] {0};
            INDArray mean = a.mean(dims);
            INDArray var = a.var(false, dims);
            String node = e.getKey();
            params.get(node + "_mean").assign(mean.reshape(params.get(node + "_mean").shape()));
            INDArray v = params.get(node + "_var");
            if (v != null) {
                v.assign(var.reshape(v.shape()));
            } else {
                INDArray logStd = params.get(node + "_log10stdev");
                logStd.assign(
                        org.nd4j.linalg.ops.transforms.Transforms.log(var, 10, true)
                                .muli(0.5)
                                .reshape(logStd.shape()));
            }
        }
    }

    private static INDArray uniform(Random r, INDArray like, double lo, double hi) {
        float[] v = new float[(int) like.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = (float) (lo + (hi - lo) * r.nextDouble());
        }
        return org.nd4j.linalg.factory.Nd4j.create(v, like.shape(), 'c');
    }

    /** Each BatchNorm node's input in a training-mode forward pass, by node name. */
    private static Map<String, INDArray> batchNormInputs(Network net, INDArray x) {
        Map<String, INDArray> out = new java.util.LinkedHashMap<>();
        if (net.model() instanceof MultiLayerNetwork m) {
            List<INDArray> acts = m.feedForward(x, true); // [input, out of layer 0, ...]
            for (int i = 0; i < m.getnLayers(); i++) {
                if (m.getLayer(i).conf().getLayer() instanceof BatchNormalization) {
                    out.put(Integer.toString(i), acts.get(i));
                }
            }
        } else {
            ComputationGraph g = (ComputationGraph) net.model();
            Map<String, INDArray> acts = g.feedForward(x, true);
            var conf = g.getConfiguration();
            for (var v : conf.getVertices().entrySet()) {
                if (v.getValue() instanceof org.deeplearning4j.nn.conf.graph.LayerVertex lv
                        && lv.getLayerConf().getLayer() instanceof BatchNormalization) {
                    String input = conf.getVertexInputs().get(v.getKey()).get(0);
                    out.put(v.getKey(), acts.get(input));
                }
            }
        }
        return out;
    }
}
