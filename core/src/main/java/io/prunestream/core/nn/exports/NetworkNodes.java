package io.prunestream.core.nn.exports;

import io.prunestream.core.nn.Network;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayer;
import org.deeplearning4j.nn.conf.layers.misc.FrozenLayerWithBackprop;

/**
 * A network as the exporter walks it: its nodes in an order where every node comes after its
 * inputs, each with its inputs, its preprocessor and the activation types around it. Both DL4J
 * network kinds look alike here; the network input is the node name {@link OnnxExporter#INPUT}.
 */
final class NetworkNodes {

    /**
     * One layer or vertex.
     *
     * @param name the parameter-key prefix (layer index or vertex name)
     * @param label the name a user sees (layer name or vertex name)
     * @param layer the layer, wrappers removed; null for a parameter-free vertex
     * @param vertex the graph vertex; null in a sequential network
     * @param inputs the nodes it reads, {@link OnnxExporter#INPUT} for the network input
     * @param inputType the type of its first input, before the preprocessor
     * @param outputType the type of its output
     */
    record Node(
            String name,
            String label,
            Layer layer,
            GraphVertex vertex,
            InputPreProcessor preProcessor,
            List<String> inputs,
            InputType inputType,
            InputType outputType) {

        /** What the node is, for messages: the layer, or else the vertex. */
        Object kind() {
            return layer != null ? layer : vertex;
        }
    }

    private final List<Node> nodes;
    private final String output;

    private NetworkNodes(List<Node> nodes, String output) {
        this.nodes = nodes;
        this.output = output;
    }

    List<Node> nodes() {
        return nodes;
    }

    /** The node whose output is the network's output. */
    String output() {
        return output;
    }

    /** How many nodes read {@code name}'s output. */
    long readersOf(String name) {
        return nodes.stream().filter(n -> n.inputs().contains(name)).count();
    }

    static NetworkNodes of(Network net) {
        Object conf = net.configurationCopy();
        InputType in = net.inputShape().toInputType();
        if (conf instanceof MultiLayerConfiguration c) {
            return sequential(c, in);
        }
        return graph((ComputationGraphConfiguration) conf, in);
    }

    private static NetworkNodes sequential(MultiLayerConfiguration c, InputType in) {
        List<InputType> types = c.getLayerActivationTypes(in);
        List<Node> nodes = new ArrayList<>();
        int n = c.getConfs().size();
        for (int i = 0; i < n; i++) {
            Layer layer = c.getConf(i).getLayer();
            String label = layer.getLayerName() != null ? layer.getLayerName() : "layer" + i;
            nodes.add(
                    new Node(
                            Integer.toString(i),
                            label,
                            unwrap(layer),
                            null,
                            c.getInputPreProcess(i),
                            List.of(i == 0 ? OnnxExporter.INPUT : Integer.toString(i - 1)),
                            i == 0 ? in : types.get(i - 1),
                            types.get(i)));
        }
        return new NetworkNodes(nodes, Integer.toString(n - 1));
    }

    private static NetworkNodes graph(ComputationGraphConfiguration c, InputType in) {
        if (c.getNetworkInputs().size() != 1 || c.getNetworkOutputs().size() != 1) {
            throw new OnnxExportException(
                    "cannot export a graph with "
                            + c.getNetworkInputs().size()
                            + " inputs and "
                            + c.getNetworkOutputs().size()
                            + " outputs to ONNX: the exporter writes networks of one input and"
                            + " one output");
        }
        String networkInput = c.getNetworkInputs().get(0);
        Map<String, InputType> types = c.getLayerActivationTypes(in);
        Map<String, List<String>> inputs = new LinkedHashMap<>();
        for (String v : c.getVertices().keySet()) {
            List<String> ins = new ArrayList<>();
            for (String i : c.getVertexInputs().getOrDefault(v, List.of())) {
                ins.add(i.equals(networkInput) ? OnnxExporter.INPUT : i);
            }
            inputs.put(v, ins);
        }
        List<Node> nodes = new ArrayList<>();
        for (String name : topologicalOrder(inputs)) {
            GraphVertex v = c.getVertices().get(name);
            Layer layer = null;
            InputPreProcessor pre = null;
            if (v instanceof LayerVertex lv) {
                layer = unwrap(lv.getLayerConf().getLayer());
                pre = lv.getPreProcessor();
            }
            List<String> ins = inputs.get(name);
            InputType inType =
                    ins.isEmpty() || ins.get(0).equals(OnnxExporter.INPUT)
                            ? in
                            : types.get(ins.get(0));
            nodes.add(new Node(name, name, layer, v, pre, ins, inType, types.get(name)));
        }
        return new NetworkNodes(nodes, c.getNetworkOutputs().get(0));
    }

    /** Kahn's algorithm, keeping the configuration's order among nodes that are ready. */
    private static List<String> topologicalOrder(Map<String, List<String>> inputs) {
        Map<String, Integer> waiting = new HashMap<>();
        Map<String, List<String>> readers = new HashMap<>();
        Deque<String> ready = new ArrayDeque<>();
        for (Map.Entry<String, List<String>> e : inputs.entrySet()) {
            int n = 0;
            for (String i : e.getValue()) {
                if (inputs.containsKey(i)) {
                    n++;
                    readers.computeIfAbsent(i, k -> new ArrayList<>()).add(e.getKey());
                }
            }
            waiting.put(e.getKey(), n);
            if (n == 0) {
                ready.add(e.getKey());
            }
        }
        List<String> order = new ArrayList<>();
        while (!ready.isEmpty()) {
            String v = ready.poll();
            order.add(v);
            for (String r : readers.getOrDefault(v, List.of())) {
                if (waiting.merge(r, -1, Integer::sum) == 0) {
                    ready.add(r);
                }
            }
        }
        return order;
    }

    /** The layer inside a frozen layer (it computes what that layer computes). */
    private static Layer unwrap(Layer layer) {
        Layer l = layer;
        while (true) {
            if (l instanceof FrozenLayer f) {
                l = f.getLayer();
            } else if (l instanceof FrozenLayerWithBackprop f) {
                l = f.getUnderlying();
            } else {
                return l;
            }
        }
    }
}
