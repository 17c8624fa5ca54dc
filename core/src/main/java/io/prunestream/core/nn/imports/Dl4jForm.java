package io.prunestream.core.nn.imports;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.Network;
import java.nio.file.Path;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.layers.FeedForwardLayer;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Brings a DL4J network read from a file (a DL4J zip, or what DL4J's Keras import made) into the
 * form the rest of the code uses: FLOAT, NCHW, softmax with cross-entropy at the end, and checks
 * that it runs on its input.
 */
final class Dl4jForm {
    private Dl4jForm() {}

    static ImportedModel finish(Model net, InputShape input, String format, Path file) {
        Model m = net;
        if (m.params().dataType() != DataType.FLOAT) {
            m =
                    m instanceof ComputationGraph g
                            ? g.convertDataType(DataType.FLOAT)
                            : ((MultiLayerNetwork) m).convertDataType(DataType.FLOAT);
        }
        m = ChannelsFirst.toNchw(m, file);
        m = ClassifierHead.ensure(m, file);
        Network network =
                m instanceof ComputationGraph g
                        ? Network.of(g, input)
                        : Network.of((MultiLayerNetwork) m, input);
        Integer classes = input != null ? classesOnInput(network, input, file) : declared(m);
        return new ImportedModel(network, input, classes, format, file);
    }

    /** The width of the output on one sample of zeros; the network must run on its input. */
    static int classesOnInput(Network net, InputShape input, Path file) {
        INDArray out;
        try {
            out = net.output(Nd4j.zeros(DataType.FLOAT, input.batchShape(1)));
        } catch (RuntimeException e) {
            throw new UsageException(
                    file
                            + ": the model does not run on its input "
                            + input
                            + ": "
                            + ModelImports.oneLine(e),
                    e);
        }
        if (out.rank() != 2) {
            throw new UsageException(
                    file
                            + ": the model's output has shape "
                            + java.util.Arrays.toString(out.shape())
                            + ": prunestream trains classifiers whose output is [batch, classes]");
        }
        return (int) out.size(1);
    }

    /** The output layer's width where its configuration says it, else null. */
    private static Integer declared(Model m) {
        Layer last;
        if (m instanceof ComputationGraph g) {
            String out = g.getConfiguration().getNetworkOutputs().get(0);
            last = g.getLayer(out) != null ? g.getLayer(out).conf().getLayer() : null;
        } else {
            MultiLayerNetwork n = (MultiLayerNetwork) m;
            last = n.getLayer(n.getnLayers() - 1).conf().getLayer();
        }
        return last instanceof FeedForwardLayer f && f.getNOut() > 0 ? (int) f.getNOut() : null;
    }
}
