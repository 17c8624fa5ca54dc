package io.prunestream.core.nn.imports;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.prunestream.core.config.UsageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Turns a DL4J network built for channels-last images (NHWC: what DL4J's Keras import makes of a
 * TensorFlow model) into the same network on channels-first images (NCHW), the layout the rest of
 * the code and its data use. Convolution weights do not depend on the layout in DL4J; what does:
 * each layer's format flag, the channel axis of concatenations and global pooling, and the order in
 * which a flatten lays out (h, w, c): the dense layer after a flatten gets its input rows permuted
 * to (c, h, w), so the network computes the same function of the transposed input.
 */
final class ChannelsFirst {
    private ChannelsFirst() {}

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> FORMAT_FIELDS =
            Set.of("cnn2dDataFormat", "cnn2DFormat", "dataFormat", "format");
    private static final String FLATTEN = "CnnToFeedForwardPreProcessor";

    static boolean isChannelsLast(Model net) {
        return json(net).contains("\"NHWC\"");
    }

    /** The network on NCHW input, or {@code net} itself where nothing in it is NHWC. */
    static Model toNchw(Model net, Path file) {
        String json = json(net);
        if (!json.contains("\"NHWC\"")) {
            return net;
        }
        ObjectNode root;
        try {
            root = (ObjectNode) JSON.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("DL4J wrote a configuration it cannot read back", e);
        }
        // node (param-key prefix) of a dense layer fed by an NHWC flatten -> {h, w, c}
        Map<String, long[]> flattened = new LinkedHashMap<>();
        if (net instanceof ComputationGraph) {
            Iterator<Map.Entry<String, JsonNode>> it = root.get("vertices").fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> v = it.next();
                // a flatten attached to a layer feeds that layer; anywhere else it cannot be fixed
                boolean layer = isClass(v.getValue(), "LayerVertex");
                checkPreprocessor(
                        v.getKey(),
                        v.getValue().get("preProcessor"),
                        layer ? flattened : null,
                        file);
            }
        } else if (root.get("inputPreProcessors") instanceof ObjectNode pres) {
            Iterator<Map.Entry<String, JsonNode>> it = pres.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> p = it.next();
                checkPreprocessor(p.getKey(), p.getValue(), flattened, file);
            }
        }
        Map<String, INDArray> params = net.paramTable();
        for (String node : flattened.keySet()) {
            if (!params.containsKey(node + "_W")) {
                throw new UsageException(
                        file
                                + ": layer '"
                                + node
                                + "' follows a channels-last flatten but is not a dense layer;"
                                + " the import can reorder only a dense layer's inputs");
            }
        }
        rewrite(root);
        String nchw = root.toString();
        Model out;
        if (net instanceof ComputationGraph) {
            ComputationGraph g = new ComputationGraph(ComputationGraphConfiguration.fromJson(nchw));
            g.init();
            out = g;
        } else {
            MultiLayerNetwork m = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(nchw));
            m.init();
            out = m;
        }
        Map<String, INDArray> target = out.paramTable();
        for (Map.Entry<String, INDArray> e : params.entrySet()) {
            String key = e.getKey();
            INDArray value = e.getValue();
            long[] hwc = flattened.get(key.substring(0, key.lastIndexOf('_')));
            if (hwc != null && key.endsWith("_W")) {
                value = rowsToChannelsFirst(value, hwc);
            }
            target.get(key).assign(value);
        }
        return out;
    }

    /** Dense weight rows in (h, w, c) order, [h*w*c, out], reordered to (c, h, w). */
    static INDArray rowsToChannelsFirst(INDArray w, long[] hwc) {
        long h = hwc[0];
        long wd = hwc[1];
        long c = hwc[2];
        long out = w.size(1);
        return w.dup('c')
                .reshape('c', h, wd, c, out)
                .permute(2, 0, 1, 3)
                .dup('c')
                .reshape('c', c * h * wd, out);
    }

    /** Records a flatten before a layer in {@code flattened}; null where none may be. */
    private static void checkPreprocessor(
            String node, JsonNode pre, Map<String, long[]> flattened, Path file) {
        if (pre == null || pre.isNull() || !"NHWC".equals(text(pre, "format"))) {
            return;
        }
        if (flattened != null && isClass(pre, FLATTEN)) {
            flattened.put(
                    node,
                    new long[] {
                        pre.get("inputHeight").asLong(),
                        pre.get("inputWidth").asLong(),
                        pre.get("numChannels").asLong()
                    });
            return;
        }
        throw new UsageException(
                file
                        + ": layer '"
                        + node
                        + "' reshapes channels-last data ("
                        + pre.get("@class").asText()
                        + "), which the import cannot turn into channels-first: use Flatten or"
                        + " global pooling before the dense layers");
    }

    private static void rewrite(JsonNode node) {
        if (node instanceof ObjectNode o) {
            if (isClass(o, "GlobalPoolingLayer")
                    && o.get("poolingDimensions") instanceof ArrayNode d) {
                if (d.size() == 2 && d.get(0).asInt() == 1 && d.get(1).asInt() == 2) {
                    d.removeAll().add(2).add(3);
                }
            }
            if (isClass(o, "MergeVertex") && o.has("mergeAxis")) {
                int axis = o.get("mergeAxis").asInt();
                if (axis == -1 || axis == 3) {
                    o.put("mergeAxis", 1);
                }
            }
            Iterator<Map.Entry<String, JsonNode>> it = o.fields();
            while (it.hasNext()) {
                Map.Entry<String, JsonNode> f = it.next();
                if (FORMAT_FIELDS.contains(f.getKey()) && "NHWC".equals(f.getValue().asText())) {
                    f.setValue(o.textNode("NCHW"));
                } else {
                    rewrite(f.getValue());
                }
            }
        } else if (node instanceof ArrayNode a) {
            a.forEach(ChannelsFirst::rewrite);
        }
    }

    private static boolean isClass(JsonNode n, String simpleName) {
        String c = text(n, "@class");
        return c != null && c.endsWith("." + simpleName);
    }

    private static String text(JsonNode n, String field) {
        JsonNode v = n.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    private static String json(Model net) {
        return net instanceof ComputationGraph g
                ? g.getConfiguration().toJson()
                : ((MultiLayerNetwork) net).getLayerWiseConfigurations().toJson();
    }
}
