package io.prunestream.core.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;

/**
 * The nodes of a network configuration and how they connect, for both sequential networks and
 * graphs. Node names are the parameter-key prefixes (layer index or vertex name); labels are the
 * layer names a user sees.
 *
 * <p>The layer objects are those of the configuration the graph was made from: editing them edits
 * that configuration (used by surgery on a configuration copy).
 */
public final class LayerGraph {

    /** One layer or vertex. {@code layer} is null for parameter-free graph vertices. */
    public record Node(
            String name,
            String label,
            Layer layer,
            GraphVertex vertex,
            InputPreProcessor preProcessor,
            List<String> inputs,
            InputType outputType) {

        /** A plain 2-D convolution: the layers whose filters can be pruned. */
        public boolean isConv() {
            return layer != null && layer.getClass() == ConvolutionLayer.class;
        }

        /** A fully connected layer (dense or output): weight [nIn, nOut]. */
        public boolean isDense() {
            return layer instanceof DenseLayer || layer instanceof BaseOutputLayer;
        }

        /** Output channels or units of a conv or dense layer. */
        public long width() {
            return ((FeedForwardLayer) layer).getNOut();
        }
    }

    private final Map<String, Node> nodes;
    private final Map<String, List<String>> outputs;
    private final List<String> networkOutputs;
    private final InputType inputType;

    private LayerGraph(Map<String, Node> nodes, List<String> networkOutputs, InputType inputType) {
        this.nodes = nodes;
        this.networkOutputs = networkOutputs;
        this.inputType = inputType;
        this.outputs = new LinkedHashMap<>();
        for (Node n : nodes.values()) {
            outputs.putIfAbsent(n.name(), new ArrayList<>());
            for (String in : n.inputs()) {
                outputs.computeIfAbsent(in, k -> new ArrayList<>()).add(n.name());
            }
        }
    }

    public static LayerGraph of(Object configuration, InputShape inputShape) {
        InputType in = inputShape.toInputType();
        Map<String, Node> nodes = new LinkedHashMap<>();
        if (configuration instanceof MultiLayerConfiguration c) {
            List<InputType> types = c.getLayerActivationTypes(in);
            int n = c.getConfs().size();
            for (int i = 0; i < n; i++) {
                Layer layer = c.getConf(i).getLayer();
                String name = Integer.toString(i);
                String label = layer.getLayerName() != null ? layer.getLayerName() : "layer" + i;
                List<String> inputs = i == 0 ? List.of() : List.of(Integer.toString(i - 1));
                nodes.put(
                        name,
                        new Node(
                                name,
                                label,
                                layer,
                                null,
                                c.getInputPreProcess(i),
                                inputs,
                                types.get(i)));
            }
            return new LayerGraph(nodes, List.of(Integer.toString(n - 1)), in);
        }
        if (configuration instanceof ComputationGraphConfiguration c) {
            Map<String, InputType> types = c.getLayerActivationTypes(in);
            for (Map.Entry<String, GraphVertex> e : c.getVertices().entrySet()) {
                String name = e.getKey();
                GraphVertex v = e.getValue();
                Layer layer = null;
                InputPreProcessor pre = null;
                if (v instanceof LayerVertex lv) {
                    layer = lv.getLayerConf().getLayer();
                    pre = lv.getPreProcessor();
                }
                List<String> inputs =
                        new ArrayList<>(c.getVertexInputs().getOrDefault(name, List.of()));
                inputs.removeAll(c.getNetworkInputs());
                nodes.put(name, new Node(name, name, layer, v, pre, inputs, types.get(name)));
            }
            return new LayerGraph(nodes, c.getNetworkOutputs(), in);
        }
        throw new IllegalArgumentException(
                "unsupported configuration type " + configuration.getClass().getName());
    }

    public InputType inputType() {
        return inputType;
    }

    public List<Node> nodes() {
        return List.copyOf(nodes.values());
    }

    public Node node(String name) {
        Node n = nodes.get(name);
        if (n == null) {
            throw new IllegalArgumentException("no node named '" + name + "' in " + nodes.keySet());
        }
        return n;
    }

    public List<String> outputsOf(String name) {
        return Collections.unmodifiableList(outputs.getOrDefault(name, List.of()));
    }

    public boolean isNetworkOutput(String name) {
        return networkOutputs.contains(name);
    }

    /** The type of the activations flowing into a node (its single input, or the network input). */
    public InputType inputTypeOf(String name) {
        Node n = node(name);
        if (n.inputs().isEmpty()) {
            return inputType;
        }
        return node(n.inputs().get(0)).outputType();
    }
}
