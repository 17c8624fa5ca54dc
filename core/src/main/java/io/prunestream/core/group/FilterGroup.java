package io.prunestream.core.group;

import io.prunestream.core.nn.ParamKeys;
import java.util.List;

/**
 * The tensors that prune together with the filters of one convolution: its weight and bias rows,
 * the per-channel parameters of the BatchNorm layers that follow it, and the input channels of the
 * layers that read its output (a dense layer after a flatten reads {@code blockSize} inputs per
 * channel).
 *
 * @param name the conv's node name (parameter-key prefix)
 * @param label the conv's layer name
 * @param size number of filters
 * @param norms BatchNorm nodes sliced with the filters
 * @param consumers nodes whose input channels are sliced
 * @param blockedBy why the filters cannot be removed, or {@code null} when they can
 * @param readsNetworkInput whether the conv reads the network input (the first layer)
 */
public record FilterGroup(
        String name,
        String label,
        int size,
        List<String> norms,
        List<Consumer> consumers,
        String blockedBy,
        boolean readsNetworkInput) {

    /** A layer that reads the group's channels. */
    public record Consumer(String node, Kind kind, int blockSize) {
        /** How the consumer's weight is sliced. */
        public enum Kind {
            /** conv weight [out, in, kh, kw]: slice axis 1. */
            CONV,
            /** dense weight [in, out]: slice rows, {@code blockSize} per channel. */
            DENSE
        }
    }

    public boolean prunable() {
        return blockedBy == null;
    }

    public String weightKey() {
        return ParamKeys.weight(name);
    }

    public String biasKey() {
        return ParamKeys.bias(name);
    }
}
