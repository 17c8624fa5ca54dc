package io.prunestream.core.prune;

import io.prunestream.core.group.FilterGroup;
import io.prunestream.core.group.GroupFinder;
import io.prunestream.core.nn.LayerGraph;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.ParamKeys;
import io.prunestream.core.schedule.Granularity;
import java.util.HashMap;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Removes pruned filters physically: builds a network whose convolutions, BatchNorms and consumers
 * are narrower, and copies the kept slices of every parameter into it ({@code W[kept][:, keptIn]},
 * BatchNorm gamma/beta/mean/var at kept channels, dense rows in blocks of H*W per kept channel).
 *
 * <p>The new network has a fresh updater state: fine-tuning starts a new optimizer, as in the
 * authors' code.
 */
public final class FilterSurgery {
    private FilterSurgery() {}

    public static Network apply(Network net, PrunePlan plan) {
        if (plan.granularity() != Granularity.FILTER) {
            throw new IllegalArgumentException(
                    "surgery needs a filter plan; weight plans are applied as masks");
        }
        Object conf = net.configurationCopy();
        LayerGraph graph = LayerGraph.of(conf, net.inputShape());
        Map<String, int[]> rowsOf = new HashMap<>(); // node -> kept output channels
        Map<String, int[]> inputsOf = new HashMap<>(); // consumer node -> kept input indices
        for (FilterGroup g : GroupFinder.filterGroups(graph)) {
            if (plan.prunedOf(g.name()).length == 0) {
                continue;
            }
            if (!g.prunable()) {
                throw new IllegalArgumentException(
                        "plan prunes '"
                                + g.label()
                                + "', which cannot be pruned: "
                                + g.blockedBy());
            }
            int[] kept = plan.keptOf(g.name());
            ((ConvolutionLayer) graph.node(g.name()).layer()).setNOut(kept.length);
            rowsOf.put(g.name(), kept);
            for (String bn : g.norms()) {
                BatchNormalization b = (BatchNormalization) graph.node(bn).layer();
                b.setNIn(kept.length);
                b.setNOut(kept.length);
                rowsOf.put(bn, kept);
            }
            for (FilterGroup.Consumer c : g.consumers()) {
                LayerGraph.Node node = graph.node(c.node());
                int[] in = expand(kept, c.blockSize());
                ((FeedForwardLayer) node.layer()).setNIn(in.length);
                if (node.preProcessor() instanceof CnnToFeedForwardPreProcessor p) {
                    p.setNumChannels(kept.length);
                }
                inputsOf.put(c.node(), in);
            }
        }
        Network out = Network.fromConfiguration(conf, net.inputShape());
        for (Map.Entry<String, INDArray> e : out.paramTable().entrySet()) {
            String key = e.getKey();
            String node = ParamKeys.node(key);
            String param = ParamKeys.param(key);
            INDArray src = net.param(key);
            INDArray dst = e.getValue();
            if (dst.isEmpty()) {
                continue;
            }
            float[] data = src.dup('c').data().asFloat();
            long[] shape = src.shape().clone(); // ND4J may hand out its own shape array
            boolean conv = graph.node(node).isConv();
            int[] rows = rowsOf.get(node);
            int[] in = inputsOf.get(node);
            if (conv && param.equals("W")) {
                // [out, in, kh, kw]
                if (rows != null) {
                    data = ArraySlicer.select(data, shape, 0, rows);
                    shape[0] = rows.length;
                }
                if (in != null) {
                    data = ArraySlicer.select(data, shape, 1, in);
                    shape[1] = in.length;
                }
            } else if (!conv && param.equals("W") && in != null) {
                // dense [in, out]
                data = ArraySlicer.select(data, shape, 0, in);
                shape[0] = in.length;
            } else if (rows != null) {
                // conv bias and BatchNorm vectors: channels on the last axis
                int axis = shape.length - 1;
                data = ArraySlicer.select(data, shape, axis, rows);
                shape[axis] = rows.length;
            }
            if (dst.length() != data.length) {
                throw new IllegalStateException(
                        "surgery produced "
                                + data.length
                                + " values for "
                                + key
                                + ", expected "
                                + dst.length());
            }
            dst.assign(Nd4j.create(data, dst.shape(), 'c'));
        }
        return out;
    }

    /** Indices c*block .. c*block+block-1 for each kept channel c. */
    static int[] expand(int[] kept, int block) {
        if (block == 1) {
            return kept;
        }
        int[] out = new int[kept.length * block];
        int k = 0;
        for (int c : kept) {
            for (int i = 0; i < block; i++) {
                out[k++] = c * block + i;
            }
        }
        return out;
    }
}
