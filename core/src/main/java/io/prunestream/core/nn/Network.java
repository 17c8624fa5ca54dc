package io.prunestream.core.nn;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;

/**
 * One trainable network, either a {@link MultiLayerNetwork} or a {@link ComputationGraph}, seen
 * through the few operations pruning needs.
 *
 * <p>Parameter keys are {@code <node>_<param>} for both kinds: for a MultiLayerNetwork the node is
 * the layer index, for a graph the vertex name. {@link #graph()} gives the nodes.
 */
public final class Network {
    private final MultiLayerNetwork sequential;
    private final ComputationGraph dag;
    private final InputShape inputShape;
    private double learningRate = Double.NaN;

    private Network(MultiLayerNetwork sequential, ComputationGraph dag, InputShape inputShape) {
        this.sequential = sequential;
        this.dag = dag;
        this.inputShape = inputShape;
        FastBatchNorm.install(sequential != null ? sequential.getLayers() : dag.getLayers());
    }

    public static Network of(MultiLayerNetwork net, InputShape inputShape) {
        return new Network(net, null, inputShape);
    }

    public static Network of(ComputationGraph net, InputShape inputShape) {
        return new Network(null, net, inputShape);
    }

    /** Builds and initialises a network from a (possibly edited) configuration. */
    public static Network fromConfiguration(Object configuration, InputShape inputShape) {
        if (configuration instanceof MultiLayerConfiguration c) {
            MultiLayerNetwork net = new MultiLayerNetwork(c);
            net.init();
            return of(net, inputShape);
        }
        if (configuration instanceof ComputationGraphConfiguration c) {
            ComputationGraph net = new ComputationGraph(c);
            net.init();
            return of(net, inputShape);
        }
        throw new IllegalArgumentException(
                "unsupported configuration type " + configuration.getClass().getName());
    }

    public Model model() {
        return sequential != null ? sequential : dag;
    }

    public boolean isGraph() {
        return dag != null;
    }

    public InputShape inputShape() {
        return inputShape;
    }

    /** A deep copy of the configuration, safe to edit. */
    public Object configurationCopy() {
        return sequential != null
                ? sequential.getLayerWiseConfigurations().clone()
                : dag.getConfiguration().clone();
    }

    public LayerGraph graph() {
        return LayerGraph.of(configurationCopy(), inputShape);
    }

    /** One optimisation step on a mini-batch. */
    public void fit(DataSet batch) {
        if (sequential != null) {
            sequential.fit(batch);
        } else {
            dag.fit(batch);
        }
    }

    /** Forward pass in inference mode (BatchNorm uses its running statistics). */
    public INDArray output(INDArray features) {
        return sequential != null
                ? sequential.output(features, false)
                : dag.outputSingle(false, features);
    }

    /** Loss of the last {@link #fit} call. */
    public double score() {
        return model().score();
    }

    public INDArray params() {
        return model().params();
    }

    public long numParams() {
        return model().numParams();
    }

    public Map<String, INDArray> paramTable() {
        return model().paramTable();
    }

    /** The live view of one parameter, or {@code null} if the network has no such key. */
    public INDArray param(String key) {
        return paramTable().get(key);
    }

    /** The live flattened gradients of the last step (DL4J reuses this array every step). */
    public INDArray gradients() {
        return sequential != null
                ? sequential.getGradientsViewArray()
                : dag.getGradientsViewArray();
    }

    /** The live updater state (momentum, Adam moments), or {@code null} for stateless updaters. */
    public INDArray updaterState() {
        return sequential != null
                ? sequential.getUpdater().getStateViewArray()
                : dag.getUpdater().getStateViewArray();
    }

    /** Changes the learning rate of every layer, keeping the updater state. */
    public void setLearningRate(double lr) {
        if (lr == learningRate) {
            return;
        }
        if (sequential != null) {
            sequential.setLearningRate(lr);
        } else {
            dag.setLearningRate(lr);
        }
        learningRate = lr;
    }

    public void addListener(TrainingListener listener) {
        if (sequential != null) {
            sequential.addListeners(listener);
        } else {
            dag.addListeners(listener);
        }
    }

    /** Serialises configuration, parameters and (optionally) updater state. */
    public byte[] toBytes(boolean withUpdater) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ModelSerializer.writeModel(model(), out, withUpdater);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    public static Network fromBytes(byte[] bytes, boolean graph, InputShape inputShape) {
        try {
            return graph
                    ? of(
                            ModelSerializer.restoreComputationGraph(
                                    new ByteArrayInputStream(bytes), true),
                            inputShape)
                    : of(
                            ModelSerializer.restoreMultiLayerNetwork(
                                    new ByteArrayInputStream(bytes), true),
                            inputShape);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** An independent copy with the same parameters and updater state; listeners are not copied. */
    public Network copy() {
        return fromBytes(toBytes(true), isGraph(), inputShape);
    }
}
