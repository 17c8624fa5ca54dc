package io.prunestream.core.prune;

import io.prunestream.core.group.DependencyGraph;
import io.prunestream.core.group.Group;
import io.prunestream.core.group.Group.Member;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.LayerGraph;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.ParamKeys;
import io.prunestream.core.schedule.Granularity;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.graph.PreprocessorVertex;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.preprocessor.CnnToFeedForwardPreProcessor;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Removes pruned groups physically: builds a network whose layers are narrower, and copies the kept
 * slices of every parameter into it - conv {@code W[keptOut][:, keptIn]}, dense rows and columns,
 * BatchNorm gamma/beta/mean/var and depthwise filters at kept channels, a flatten's channel count.
 * What each layer loses is what the groups' {@link Member}s say, so every group kind (filters,
 * neurons, coupled) goes through the same code.
 *
 * <p>The new network has a fresh updater state: fine-tuning starts a new optimizer, as in the
 * authors' code.
 */
public final class GroupSurgery {
    private GroupSurgery() {}

    /** What one layer keeps: null where the layer loses nothing there. */
    private static final class Cut {
        int[] out;
        int outAxis;
        int[] in;
        int inAxis;
        int[] norm;
        int[] depthwise;
        int depthwiseWidth;
        int flatten = -1;
    }

    /** Applies a plan made from {@code net}'s groups under {@code scope}. */
    public static Network apply(Network net, GroupScope scope, PrunePlan plan) {
        return apply(net, DependencyGraph.of(net).groups(scope), plan);
    }

    /**
     * Applies a plan made from {@code groups} (those of {@code net}).
     *
     * @throws IllegalArgumentException when the plan names a group that is not among {@code
     *     groups}, has another size, or cannot be pruned
     */
    public static Network apply(Network net, List<Group> groups, PrunePlan plan) {
        if (plan.granularity() != Granularity.FILTER) {
            throw new IllegalArgumentException(
                    "surgery needs a filter plan; weight plans are applied as masks");
        }
        Map<String, Group> byName = new LinkedHashMap<>();
        groups.forEach(g -> byName.put(g.name(), g));
        for (String key : plan.pruned().keySet()) {
            Group g = byName.get(key);
            if (g == null) {
                throw new IllegalArgumentException(
                        "plan prunes group '"
                                + key
                                + "', which this network does not have (its groups: "
                                + byName.keySet()
                                + "); make the plan from this network with the same"
                                + " prune.groups");
            }
            if (!g.prunable()) {
                throw new IllegalArgumentException(
                        "plan prunes '"
                                + g.label()
                                + "', which cannot be pruned: "
                                + g.blockedBy());
            }
            if (plan.sizeOf(key) != g.size()) {
                throw new IllegalArgumentException(
                        "plan prunes "
                                + plan.sizeOf(key)
                                + "-unit group '"
                                + key
                                + "', which has "
                                + g.size()
                                + " units in this network");
            }
        }
        Map<String, Cut> cuts = cuts(groups, plan);

        Object conf = net.configurationCopy();
        LayerGraph graph = LayerGraph.of(conf, net.inputShape());
        cuts.forEach((node, cut) -> resize(graph.node(node), cut));
        Network out = Network.fromConfiguration(conf, net.inputShape());
        for (Map.Entry<String, INDArray> e : out.paramTable().entrySet()) {
            String key = e.getKey();
            INDArray dst = e.getValue();
            if (dst.isEmpty()) {
                continue;
            }
            INDArray src = net.param(key);
            float[] data = src.dup('c').data().asFloat();
            long[] shape = src.shape().clone(); // ND4J may hand out its own shape array
            Cut cut = cuts.get(ParamKeys.node(key));
            if (cut != null) {
                data = slice(cut, ParamKeys.param(key), data, shape);
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

    /** Per layer, the positions it keeps along each sliced axis. */
    private static Map<String, Cut> cuts(List<Group> groups, PrunePlan plan) {
        // a layer can be a member of several groups (a concat's reader): collect all removals
        Map<String, boolean[]> removed = new LinkedHashMap<>();
        Map<String, Member> example = new HashMap<>();
        for (Group g : groups) {
            int[] pruned = plan.prunedOf(g.name());
            if (pruned.length == 0) {
                continue;
            }
            boolean[] gone = new boolean[g.size()];
            for (int u : pruned) {
                gone[u] = true;
            }
            for (Member m : g.members()) {
                if (m.slice() == Group.Slice.PASS) {
                    continue;
                }
                String k = m.node() + "/" + m.slice();
                boolean[] r = removed.computeIfAbsent(k, x -> new boolean[m.width()]);
                example.putIfAbsent(k, m);
                int[] unitOf = m.unitOf();
                for (int p = 0; p < unitOf.length; p++) {
                    r[p] |= unitOf[p] >= 0 && gone[unitOf[p]];
                }
            }
        }
        Map<String, Cut> cuts = new LinkedHashMap<>();
        removed.forEach(
                (k, r) -> {
                    Member m = example.get(k);
                    Cut c = cuts.computeIfAbsent(m.node(), x -> new Cut());
                    int[] kept = kept(r);
                    switch (m.slice()) {
                        case OUT -> {
                            c.out = kept;
                            c.outAxis = m.weightAxis();
                        }
                        case IN -> {
                            c.in = kept;
                            c.inAxis = m.weightAxis();
                        }
                        case NORM -> c.norm = kept;
                        case DEPTHWISE -> {
                            c.depthwise = kept;
                            c.depthwiseWidth = m.width();
                        }
                        case FLATTEN -> c.flatten = kept.length;
                        case PASS -> {}
                    }
                });
        return cuts;
    }

    private static int[] kept(boolean[] removed) {
        int n = 0;
        for (boolean r : removed) {
            n += r ? 0 : 1;
        }
        int[] kept = new int[n];
        for (int i = 0, k = 0; i < removed.length; i++) {
            if (!removed[i]) {
                kept[k++] = i;
            }
        }
        return kept;
    }

    /** Narrows the layer (and its flatten) in the configuration copy. */
    private static void resize(LayerGraph.Node node, Cut cut) {
        if (node.layer() instanceof FeedForwardLayer layer) {
            if (cut.out != null) {
                layer.setNOut(cut.out.length);
            }
            if (cut.in != null) {
                layer.setNIn(cut.in.length);
            }
            if (cut.norm != null) {
                layer.setNIn(cut.norm.length);
                layer.setNOut(cut.norm.length);
            }
            if (cut.depthwise != null) {
                int multiplier = ((DepthwiseConvolution2D) layer).getDepthMultiplier();
                layer.setNIn(cut.depthwise.length);
                layer.setNOut((long) cut.depthwise.length * multiplier);
            }
        }
        if (cut.flatten >= 0) {
            InputPreProcessor p =
                    node.vertex() instanceof PreprocessorVertex v
                            ? v.getPreProcessor()
                            : node.preProcessor();
            ((CnnToFeedForwardPreProcessor) p).setNumChannels(cut.flatten);
        }
    }

    /** The kept values of one parameter; {@code shape} is updated to match. */
    private static float[] slice(Cut cut, String param, float[] data, long[] shape) {
        int last = shape.length - 1;
        if (param.equals("W")) {
            if (cut.out != null) {
                data = select(data, shape, cut.outAxis, cut.out);
            }
            if (cut.in != null) {
                data = select(data, shape, cut.inAxis, cut.in);
            }
            if (cut.depthwise != null) {
                // [kh, kw, channels, multiplier]
                data = select(data, shape, 2, cut.depthwise);
            }
        } else if (cut.norm != null) {
            data = select(data, shape, last, cut.norm);
        } else if (cut.out != null) {
            data = select(data, shape, last, cut.out); // bias
        } else if (cut.depthwise != null) {
            // bias [channels * multiplier]: channel c's outputs are c*m .. c*m+m-1
            int multiplier = (int) (shape[last] / cut.depthwiseWidth);
            data = select(data, shape, last, expand(cut.depthwise, multiplier));
        }
        return data;
    }

    private static float[] select(float[] data, long[] shape, int axis, int[] indices) {
        float[] out = ArraySlicer.select(data, shape, axis, indices);
        shape[axis] = indices.length;
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
