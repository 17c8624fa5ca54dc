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
import org.deeplearning4j.nn.conf.layers.Convolution2D;
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

        /** A plain 2-D convolution (not depthwise, separable, 1-D or 3-D). */
        public boolean isConv() {
            return layer != null
                    && (layer.getClass() == ConvolutionLayer.class
                            || layer.getClass() == Convolution2D.class);
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

    /** The name a sequential network's input goes by in {@link #sourcesOf}. */
    public static final String SEQUENTIAL_INPUT = "input";

    private final Map<String, Node> nodes;
    private final Map<String, List<String>> outputs;
    private final Map<String, List<String>> sources;
    private final List<String> networkInputs;
    private final List<String> networkOutputs;
    private final InputType inputType;

    private LayerGraph(
            Map<String, Node> nodes,
            Map<String, List<String>> sources,
            List<String> networkInputs,
            List<String> networkOutputs,
            InputType inputType) {
        this.nodes = nodes;
        this.sources = sources;
        this.networkInputs = List.copyOf(networkInputs);
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
        Map<String, List<String>> sources = new LinkedHashMap<>();
        if (configuration instanceof MultiLayerConfiguration c) {
            List<InputType> types = c.getLayerActivationTypes(in);
            int n = c.getConfs().size();
            for (int i = 0; i < n; i++) {
                Layer layer = c.getConf(i).getLayer();
                String name = Integer.toString(i);
                String label = layer.getLayerName() != null ? layer.getLayerName() : "layer" + i;
                List<String> inputs = i == 0 ? List.of() : List.of(Integer.toString(i - 1));
                sources.put(name, i == 0 ? List.of(SEQUENTIAL_INPUT) : inputs);
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
            return new LayerGraph(
                    nodes,
                    sources,
                    List.of(SEQUENTIAL_INPUT),
                    List.of(Integer.toString(n - 1)),
                    in);
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
                sources.put(name, List.copyOf(inputs));
                inputs.removeAll(c.getNetworkInputs());
                nodes.put(name, new Node(name, name, layer, v, pre, inputs, types.get(name)));
            }
            return new LayerGraph(nodes, sources, c.getNetworkInputs(), c.getNetworkOutputs(), in);
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

    /**
     * What a node reads, in order: node names and network input names ({@link #networkInputs()}),
     * the same name twice if it is read twice. {@link Node#inputs()} leaves the network inputs out.
     */
    public List<String> sourcesOf(String name) {
        node(name);
        return sources.get(name);
    }

    /** The names of the network inputs ({@link #SEQUENTIAL_INPUT} for a sequential network). */
    public List<String> networkInputs() {
        return networkInputs;
    }

    public boolean isNetworkInput(String name) {
        return networkInputs.contains(name);
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
