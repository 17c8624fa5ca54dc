package io.prunestream.core.cost;

import io.prunestream.core.nn.LayerGraph;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.ParamKeys;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.BaseOutputLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.DepthwiseConvolution2D;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Parameters and FLOPs of a network, per layer and in total, counted as the authors count (their
 * {@code utils.get_n_params_} and {@code get_n_flops_(count_adds=True)}):
 *
 * <ul>
 *   <li>{@link #params()}: weights and biases of conv (depthwise too) and linear layers; BatchNorm
 *       gamma/beta and running statistics are not counted;
 *   <li>{@link #flops()}: multiplies plus adds of conv and linear layers, 2 x the
 *       multiply-accumulates (conv {@code 2 * prod(W.shape) * H_out * W_out}, linear {@code 2 * in
 *       * out}); biases, BatchNorm, activations and pooling are not counted.
 * </ul>
 *
 * Speed-up is FLOPs before / FLOPs after.
 */
public record NetworkCost(List<LayerCost> layers, long params, long flops) {

    private static final Set<String> RUNNING_STATS = Set.of("mean", "var", "log10stdev");

    public static NetworkCost of(Network net) {
        LayerGraph graph = net.graph();
        Map<String, INDArray> table = net.paramTable();
        List<LayerCost> layers = new ArrayList<>();
        for (LayerGraph.Node n : graph.nodes()) {
            if (n.layer() == null) {
                continue;
            }
            long params = 0;
            for (Map.Entry<String, INDArray> e : table.entrySet()) {
                String key = e.getKey();
                if (ParamKeys.node(key).equals(n.name())
                        && !RUNNING_STATS.contains(ParamKeys.param(key))) {
                    params += e.getValue().length();
                }
            }
            long flops = 0;
            long width = 0;
            String type = n.layer().getClass().getSimpleName();
            INDArray w = table.get(ParamKeys.weight(n.name()));
            if (n.isConv()) {
                InputType.InputTypeConvolutional out =
                        (InputType.InputTypeConvolutional) n.outputType();
                flops = 2 * w.length() * out.getHeight() * out.getWidth();
                width = n.width();
                type = LayerCost.CONV;
            } else if (n.isDense()) {
                flops = 2 * w.length();
                width = n.width();
                type = n.layer() instanceof BaseOutputLayer ? LayerCost.OUTPUT : LayerCost.DENSE;
            } else if (n.layer() instanceof DepthwiseConvolution2D d) {
                InputType.InputTypeConvolutional out =
                        (InputType.InputTypeConvolutional) n.outputType();
                flops = 2 * w.length() * out.getHeight() * out.getWidth();
                width = d.getNOut();
                type = LayerCost.DEPTHWISE;
            } else if (n.layer() instanceof BatchNormalization b) {
                width = b.getNOut();
                type = LayerCost.BATCHNORM;
            }
            if (params == 0 && flops == 0) {
                continue;
            }
            layers.add(new LayerCost(n.label(), type, width, params, flops));
        }
        return of(layers);
    }

    /** Totals over the given layers by the authors' convention. */
    static NetworkCost of(List<LayerCost> layers) {
        long params = 0;
        long flops = 0;
        for (LayerCost l : layers) {
            if (l.countsParams()) {
                params += l.params();
            }
            flops += l.flops();
        }
        return new NetworkCost(List.copyOf(layers), params, flops);
    }

    /** Trainable parameters outside conv and linear layers (BatchNorm gamma and beta). */
    public long normParams() {
        return layers.stream().filter(l -> !l.countsParams()).mapToLong(LayerCost::params).sum();
    }

    /** Multiply-accumulates per sample: half of {@link #flops()}. */
    public long macs() {
        return flops / 2;
    }

    /** FLOPs speed-up of {@code pruned} relative to this network. */
    public double speedupOver(NetworkCost pruned) {
        return (double) flops / pruned.flops();
    }

    /** Output widths of conv layers by name, in order. */
    /** Output width of every layer a group can narrow: convolutions and hidden dense layers. */
    public Map<String, Long> widths() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (LayerCost l : layers) {
            if (l.type().equals(LayerCost.CONV) || l.type().equals(LayerCost.DENSE)) {
                out.put(l.label(), l.width());
            }
        }
        return out;
    }

    public Map<String, Long> convWidths() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (LayerCost l : layers) {
            if (l.type().equals(LayerCost.CONV)) {
                out.put(l.label(), l.width());
            }
        }
        return out;
    }

    /**
     * Writes this cost (for snapshots): per layer label, type, width, params and
     * multiply-accumulates (the layout snapshots have always had; totals are recomputed on reading,
     * so a snapshot written before the counts followed the authors' convention reads back in that
     * convention).
     */
    public void writeTo(java.io.DataOutput out) throws java.io.IOException {
        out.writeInt(layers.size());
        for (LayerCost l : layers) {
            out.writeUTF(l.label());
            out.writeUTF(l.type());
            out.writeLong(l.width());
            out.writeLong(l.params());
            out.writeLong(l.macs());
        }
    }

    public static NetworkCost readFrom(java.io.DataInput in) throws java.io.IOException {
        int n = in.readInt();
        List<LayerCost> layers = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            layers.add(
                    new LayerCost(
                            in.readUTF(),
                            in.readUTF(),
                            in.readLong(),
                            in.readLong(),
                            2 * in.readLong()));
        }
        return of(layers);
    }
}
