package io.prunestream.core.group;

import io.prunestream.core.nn.LayerGraph;
import io.prunestream.core.nn.LayerGraph.Node;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ActivationLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DropoutLayer;
import org.deeplearning4j.nn.conf.layers.GlobalPoolingLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.SubsamplingLayer;
import org.deeplearning4j.nn.conf.layers.ZeroPaddingLayer;

/**
 * Finds the filter groups of a network by following each convolution's output to the layers that
 * read it. Per-channel layers (BatchNorm, activation, pooling, dropout, padding) pass the channels
 * through; a convolution or dense layer consumes them. A filter that reaches anything else - a
 * residual add, a concatenation, the network output - cannot be removed without changing that
 * layer's width, so its group is marked blocked. In a CIFAR ResNet this leaves exactly the inner
 * conv of each block prunable, as in the paper.
 */
public final class GroupFinder {
    private GroupFinder() {}

    /** Every 2D convolution of the graph with its group, prunable or not. */
    public static List<FilterGroup> filterGroups(LayerGraph graph) {
        List<FilterGroup> groups = new ArrayList<>();
        for (Node n : graph.nodes()) {
            if (n.isConv()) {
                groups.add(follow(graph, n));
            }
        }
        return groups;
    }

    private static boolean passesChannels(Layer layer) {
        return layer instanceof ActivationLayer
                || layer != null && layer.getClass() == SubsamplingLayer.class
                || layer instanceof DropoutLayer
                || layer instanceof ZeroPaddingLayer
                || layer instanceof GlobalPoolingLayer;
    }

    private static FilterGroup follow(LayerGraph graph, Node conv) {
        int size = (int) conv.width();
        List<String> norms = new ArrayList<>();
        List<FilterGroup.Consumer> consumers = new ArrayList<>();
        String blocked = null;
        Deque<String> todo = new ArrayDeque<>();
        Set<String> seen = new HashSet<>();
        if (graph.isNetworkOutput(conv.name())) {
            blocked = "it is a network output";
        }
        todo.addAll(graph.outputsOf(conv.name()));
        while (!todo.isEmpty() && blocked == null) {
            String name = todo.pop();
            if (!seen.add(name)) {
                continue;
            }
            Node n = graph.node(name);
            Layer layer = n.layer();
            if (n.inputs().size() > 1 || layer == null) {
                blocked =
                        "its output reaches "
                                + (n.vertex() != null
                                        ? n.vertex().getClass().getSimpleName()
                                        : "node")
                                + " '"
                                + n.label()
                                + "', which needs a fixed channel count (e.g. a residual add)";
            } else if (n.isConv()) {
                consumers.add(new FilterGroup.Consumer(name, FilterGroup.Consumer.Kind.CONV, 1));
            } else if (n.isDense()) {
                InputType in = graph.inputTypeOf(name);
                int block = 1;
                if (in instanceof InputType.InputTypeConvolutional t) {
                    block = (int) (t.getHeight() * t.getWidth());
                }
                consumers.add(
                        new FilterGroup.Consumer(name, FilterGroup.Consumer.Kind.DENSE, block));
            } else if (layer instanceof BatchNormalization || passesChannels(layer)) {
                if (graph.isNetworkOutput(name)) {
                    blocked = "its channels reach the network output at '" + n.label() + "'";
                } else {
                    if (layer instanceof BatchNormalization) {
                        norms.add(name);
                    }
                    todo.addAll(graph.outputsOf(name));
                }
            } else {
                blocked =
                        "its output reaches "
                                + layer.getClass().getSimpleName()
                                + " '"
                                + n.label()
                                + "', which prunestream cannot slice";
            }
        }
        if (blocked == null && consumers.isEmpty()) {
            blocked = "no layer reads its output";
        }
        return new FilterGroup(
                conv.name(),
                conv.label(),
                size,
                List.copyOf(norms),
                List.copyOf(consumers),
                blocked,
                conv.inputs().isEmpty());
    }
}
