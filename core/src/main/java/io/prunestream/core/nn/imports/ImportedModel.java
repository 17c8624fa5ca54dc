package io.prunestream.core.nn.imports;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.OptimizerSpec;
import java.nio.file.Path;
import java.util.Objects;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;

/**
 * A network read from a file, with what the file says about its input and classes.
 *
 * <p>The network is FLOAT, NCHW, and ends in a softmax with cross-entropy loss (DL4J's {@code
 * OutputLayer}, or a {@code LossLayer} where the file's last operation is not a linear layer), so
 * {@link Network#output} gives class probabilities: the softmax of the logits a PyTorch or ONNX
 * model returns, the same probabilities where the file's model ends in a softmax itself. It trains
 * with DL4J's default updater until {@link #network(OptimizerSpec)} gives it the run's.
 *
 * @param network the network, parameters as in the file
 * @param input the sample shape the file states, or null where it does not say (a DL4J
 *     MultiLayerNetwork that starts with a convolution); {@link #withInput} supplies it
 * @param classes the number of classes (outputs) the file states, or null likewise
 * @param format {@code dl4j}, {@code keras} or {@code onnx}
 * @param source the file it came from
 */
public record ImportedModel(
        Network network, InputShape input, Integer classes, String format, Path source) {

    public ImportedModel {
        Objects.requireNonNull(network, "network");
        Objects.requireNonNull(format, "format");
        Objects.requireNonNull(source, "source");
    }

    /**
     * The network set up to train with the run's optimizer, as the built-in models are ({@link
     * Network#withOptimizer}); parameters as in the file, updater state fresh. Runs train this, not
     * {@link #network()}.
     */
    public Network network(OptimizerSpec optimizer) {
        return network.withOptimizer(optimizer);
    }

    /**
     * This model with its input shape given from outside (the run's {@code data.sample-shape}): for
     * files that do not state it. Where the file states one, it must be the same; the network must
     * run on it (a forward pass on zeros). Either failure is a {@link UsageException} naming the
     * file and the shapes or the reason.
     */
    public ImportedModel withInput(InputShape shape) {
        Objects.requireNonNull(shape, "shape");
        if (input != null && !input.equals(shape)) {
            throw new UsageException(
                    source
                            + ": the model takes input "
                            + input
                            + " but "
                            + shape
                            + " was given: use data.sample-shape "
                            + input
                            + " or a model made for "
                            + shape);
        }
        Network seen =
                network.model() instanceof ComputationGraph g
                        ? Network.of(g, shape)
                        : Network.of((MultiLayerNetwork) network.model(), shape);
        int width = Dl4jForm.classesOnInput(seen, shape, source); // it must run on that input
        return new ImportedModel(seen, shape, classes != null ? classes : width, format, source);
    }
}
