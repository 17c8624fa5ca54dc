package io.prunestream.core.nn;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.WorkspaceMode;
import org.deeplearning4j.nn.conf.graph.GraphVertex;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.deeplearning4j.optimize.api.TrainingListener;
import org.deeplearning4j.util.ModelSerializer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.learning.regularization.L2Regularization;
import org.nd4j.linalg.learning.regularization.Regularization;

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

    /**
     * A network with this one's configuration and parameters that trains with {@code optimizer} as
     * the built-in models do ({@link Models}): every layer's updater replaced by the optimizer's,
     * L2 weight decay on weights and biases (BatchNorm excluded, as DL4J does), workspaces enabled.
     * The updater state starts fresh; this network is left as it is. For networks made elsewhere
     * (imported files), whose updaters are whatever the file said.
     */
    public Network withOptimizer(OptimizerSpec optimizer) {
        Object conf = configurationCopy();
        List<Regularization> l2 =
                optimizer.weightDecay() > 0
                        ? List.of(new L2Regularization(optimizer.weightDecay()))
                        : List.of();
        for (org.deeplearning4j.nn.conf.layers.Layer layer : layersOf(conf)) {
            if (layer instanceof BaseLayer b) {
                b.setIUpdater(optimizer.toUpdater());
                b.setBiasUpdater(null);
                b.setRegularization(new ArrayList<>(l2));
                b.setRegularizationBias(new ArrayList<>(l2));
            }
        }
        if (conf instanceof MultiLayerConfiguration c) {
            c.setTrainingWorkspaceMode(WorkspaceMode.ENABLED);
            c.setInferenceWorkspaceMode(WorkspaceMode.ENABLED);
        } else if (conf instanceof ComputationGraphConfiguration c) {
            c.setTrainingWorkspaceMode(WorkspaceMode.ENABLED);
            c.setInferenceWorkspaceMode(WorkspaceMode.ENABLED);
        }
        Network out = fromConfiguration(conf, inputShape);
        out.model().setParams(params());
        return out;
    }

    private static List<org.deeplearning4j.nn.conf.layers.Layer> layersOf(Object conf) {
        List<org.deeplearning4j.nn.conf.layers.Layer> out = new ArrayList<>();
        if (conf instanceof MultiLayerConfiguration c) {
            c.getConfs().forEach(n -> out.add(n.getLayer()));
        } else if (conf instanceof ComputationGraphConfiguration c) {
            for (GraphVertex v : c.getVertices().values()) {
                if (v instanceof LayerVertex lv) {
                    out.add(lv.getLayerConf().getLayer());
                }
            }
        }
        return out;
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

    /** The configuration as DL4J's JSON (iteration count and learning rates included). */
    public String configurationJson() {
        return sequential != null
                ? sequential.getLayerWiseConfigurations().toJson()
                : dag.getConfiguration().toJson();
    }

    /** First bytes of {@link #snapshotBytes()}; DL4J's zip starts "PK". */
    private static final int SNAPSHOT_MAGIC = 0x50534e31; // "PSN1"

    /**
     * Configuration, parameters and updater state in a checkpoint-friendly layout: the
     * configuration as JSON, then each flat array's raw bytes. DL4J's zip ({@link #toBytes}) writes
     * element by element and deflates: about 25 MB/s, seconds of training pause per checkpoint for
     * a VGG. The array has exactly the snapshot's size and each network array is copied into it in
     * one bulk copy: a checkpoint's pause is this one copy. {@link #fromBytes} reads both.
     *
     * <p>Layout (big-endian, as {@link DataOutputStream} writes it): int magic, boolean
     * little-endian, int length and the JSON's UTF-8 bytes, then for the parameters and the updater
     * state each: the data type's name as {@link DataOutputStream#writeUTF} writes it ("" for
     * none), long element count, the elements in native byte order.
     */
    public byte[] snapshotBytes() {
        byte[] conf = configurationJson().getBytes(StandardCharsets.UTF_8);
        INDArray params = flat(model().params());
        INDArray state = flat(updaterState());
        long size = 4 + 1 + 4 + conf.length + rawSize(params) + rawSize(state);
        if (size > Integer.MAX_VALUE - 16) {
            throw new IllegalStateException(
                    "network snapshot of "
                            + size
                            + " bytes is above the 2 GB a snapshot holds: use a smaller model");
        }
        byte[] out = new byte[(int) size];
        ByteBuffer b = ByteBuffer.wrap(out);
        b.putInt(SNAPSHOT_MAGIC);
        b.put((byte) (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? 1 : 0));
        b.putInt(conf.length);
        b.put(conf);
        putRaw(b, params);
        putRaw(b, state);
        return out;
    }

    /** The array itself when its elements lie in order in its buffer, else a c-ordered copy. */
    private static INDArray flat(INDArray a) {
        return a == null || (a.ordering() == 'c' && !a.isView()) ? a : a.dup('c');
    }

    private static long rawSize(INDArray a) {
        return a == null ? 2 : 2 + typeName(a).length + 8 + a.length() * a.dataType().width();
    }

    /** The data type's name as {@link DataOutputStream#writeUTF} writes it: ASCII. */
    private static byte[] typeName(INDArray a) {
        return a.dataType().name().getBytes(StandardCharsets.US_ASCII);
    }

    private static void putRaw(ByteBuffer b, INDArray a) {
        if (a == null) {
            b.putShort((short) 0);
            return;
        }
        byte[] name = typeName(a);
        b.putShort((short) name.length);
        b.put(name);
        b.putLong(a.length());
        int width = a.dataType().width();
        ByteBuffer raw = a.data().asNio().order(ByteOrder.nativeOrder());
        raw.position((int) (a.offset() * width));
        raw.limit((int) ((a.offset() + a.length()) * width));
        b.put(raw);
    }

    private static INDArray readRaw(DataInputStream in) throws IOException {
        String type = in.readUTF();
        if (type.isEmpty()) {
            return null;
        }
        DataType dataType = DataType.valueOf(type);
        long length = in.readLong();
        INDArray a = Nd4j.createUninitialized(dataType, 1, length);
        ByteBuffer raw = a.data().asNio().order(ByteOrder.nativeOrder());
        raw.position((int) (a.offset() * dataType.width()));
        byte[] chunk = new byte[1 << 20];
        long left = length * dataType.width();
        while (left > 0) {
            int n = (int) Math.min(chunk.length, left);
            in.readFully(chunk, 0, n);
            raw.put(chunk, 0, n);
            left -= n;
        }
        return a;
    }

    /** Reads {@link #snapshotBytes()} or DL4J's zip ({@link #toBytes}, older snapshots). */
    public static Network fromBytes(byte[] bytes, boolean graph, InputShape inputShape) {
        try {
            if (bytes.length >= 4 && ByteBuffer.wrap(bytes, 0, 4).getInt() == SNAPSHOT_MAGIC) {
                return fromSnapshot(bytes, graph, inputShape);
            }
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

    private static Network fromSnapshot(byte[] bytes, boolean graph, InputShape inputShape)
            throws IOException {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            in.readInt();
            boolean little = in.readBoolean();
            if (little != (ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN)) {
                throw new IOException(
                        "network snapshot written on a machine of the other byte order: restore it"
                                + " on a "
                                + (little ? "little" : "big")
                                + "-endian machine");
            }
            byte[] conf = new byte[in.readInt()];
            in.readFully(conf);
            String json = new String(conf, StandardCharsets.UTF_8);
            INDArray params = readRaw(in);
            INDArray state = readRaw(in);
            if (graph) {
                ComputationGraph net =
                        new ComputationGraph(ComputationGraphConfiguration.fromJson(json));
                net.init(params, false);
                if (state != null) {
                    net.getUpdater().setStateViewArray(state);
                }
                return of(net, inputShape);
            }
            MultiLayerNetwork net = new MultiLayerNetwork(MultiLayerConfiguration.fromJson(json));
            net.init(params, false);
            if (state != null) {
                net.getUpdater().setStateViewArray(net, state, false);
            }
            return of(net, inputShape);
        }
    }

    /** An independent copy with the same parameters and updater state; listeners are not copied. */
    public Network copy() {
        return fromBytes(snapshotBytes(), isGraph(), inputShape);
    }
}
