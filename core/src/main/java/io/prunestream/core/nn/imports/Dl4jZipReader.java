package io.prunestream.core.nn.imports;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.prunestream.core.config.UsageException;
import io.prunestream.core.nn.InputShape;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.InputPreProcessor;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.DenseLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.conf.preprocessor.FeedForwardToCnnPreProcessor;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.util.ModelSerializer;

/**
 * DL4J {@code ModelSerializer} zips (a MultiLayerNetwork or a ComputationGraph; this program's own
 * model versions are such zips). The updater state in the file is not read: runs bring their own
 * optimizer. DL4J does not store the input shape: it is known where the first layer is dense (a
 * feature vector) or behind a feed-forward-to-image preprocessor; otherwise {@link
 * ImportedModel#input()} is null and the run's sample shape supplies it.
 */
final class Dl4jZipReader {
    private Dl4jZipReader() {}

    private static final String CONFIGURATION = "configuration.json";

    static ImportedModel read(Path file) {
        String json = configuration(file);
        boolean graph;
        try {
            graph = new ObjectMapper().readTree(json).has("vertices");
        } catch (IOException e) {
            throw new UsageException(
                    file + ": a zip whose " + CONFIGURATION + " is not JSON: not a DL4J model", e);
        }
        Model net;
        try {
            net =
                    graph
                            ? ModelSerializer.restoreComputationGraph(file.toFile(), false)
                            : ModelSerializer.restoreMultiLayerNetwork(file.toFile(), false);
        } catch (Exception e) {
            throw new UsageException(
                    file + ": cannot read the DL4J model: " + ModelImports.oneLine(e), e);
        }
        return Dl4jForm.finish(net, inputOf(net), "dl4j", file);
    }

    private static String configuration(Path file) {
        try (ZipFile zip = new ZipFile(file.toFile())) {
            ZipEntry e = zip.getEntry(CONFIGURATION);
            if (e == null) {
                throw new UsageException(
                        file
                                + ": a zip without "
                                + CONFIGURATION
                                + ": not a DL4J model (save one with ModelSerializer.writeModel)");
            }
            return new String(zip.getInputStream(e).readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UsageException(
                    file + ": not a readable zip (truncated?): " + ModelImports.oneLine(e), e);
        }
    }

    /** What the first layer says about the input, or null. */
    private static InputShape inputOf(Model net) {
        Layer first;
        InputPreProcessor pre;
        if (net instanceof ComputationGraph g) {
            ComputationGraphConfiguration c = g.getConfiguration();
            if (c.getNetworkInputs().size() != 1) {
                return null;
            }
            String input = c.getNetworkInputs().get(0);
            List<String> fed =
                    c.getVertexInputs().entrySet().stream()
                            .filter(e -> e.getValue().contains(input))
                            .map(java.util.Map.Entry::getKey)
                            .toList();
            if (fed.size() != 1 || !(c.getVertices().get(fed.get(0)) instanceof LayerVertex lv)) {
                return null;
            }
            first = lv.getLayerConf().getLayer();
            pre = lv.getPreProcessor();
        } else {
            MultiLayerConfiguration c = ((MultiLayerNetwork) net).getLayerWiseConfigurations();
            first = c.getConf(0).getLayer();
            pre = c.getInputPreProcess(0);
        }
        if (pre instanceof FeedForwardToCnnPreProcessor f) {
            return new InputShape(
                    (int) f.getNumChannels(), (int) f.getInputHeight(), (int) f.getInputWidth());
        }
        if (pre == null && first instanceof DenseLayer d) {
            return InputShape.vector((int) d.getNIn());
        }
        return null;
    }
}
