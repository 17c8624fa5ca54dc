package io.prunestream.core.group;

import io.prunestream.core.nn.ParamKeys;
import java.util.Arrays;
import java.util.List;

/**
 * Channels (or neurons) that can only be removed together, and every tensor slice that goes with
 * them: the filters of the convolutions that make them, the BatchNorm entries and depthwise filters
 * on their way, and the input channels of the layers that read them. Indices {@code 0..size-1}
 * number the group's units; each {@link Member} says which of its positions belong to which unit.
 *
 * @param name the group's key in a plan: its root's node name, {@code node#k} for the k-th (from 0,
 *     in the order of their first output) when the root's outputs fall into several groups
 * @param node the root: the first layer in graph order that makes the group's channels
 * @param label the root's layer name
 * @param kind filters, neurons, or coupled (across adds and concatenations)
 * @param size number of units: what a pruning ratio is a fraction of
 * @param members the layers the group touches, in graph order, each with what is sliced
 * @param blockedBy why the group cannot be removed, or {@code null} when it can
 * @param readsNetworkInput whether every layer that makes the channels reads the network input
 * @param keptUnlessNamed whether the default ratio leaves the group alone (see {@link
 *     #keptUnlessNamed()})
 */
public record Group(
        String name,
        String node,
        String label,
        Kind kind,
        int size,
        List<Member> members,
        String blockedBy,
        boolean readsNetworkInput,
        boolean keptUnlessNamed) {

    public Group {
        members = List.copyOf(members);
    }

    /** What a group is made of. */
    public enum Kind {
        /** The filters of one convolution, with what follows them. */
        FILTERS,
        /** The units of one hidden dense layer, with the next layer's inputs. */
        NEURONS,
        /** Channels joined by an elementwise add or carried through a concatenation. */
        COUPLED;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /** What is cut out of a member. */
    public enum Slice {
        /** Outputs of a conv (weight axis 0, bias) or dense layer (weight axis 1, bias). */
        OUT,
        /** Inputs of a layer that reads the channels: conv weight axis 1, dense weight rows. */
        IN,
        /** Per-channel BatchNorm parameters and statistics. */
        NORM,
        /** A depthwise conv's per-channel filters (weight axis 2) and biases. */
        DEPTHWISE,
        /** A flatten's channel count (its output is the channels' blocks of H*W values). */
        FLATTEN,
        /** Nothing: the layer or vertex passes the channels on (activation, pooling, add, ...). */
        PASS;

        @Override
        public String toString() {
            return name().toLowerCase(java.util.Locale.ROOT);
        }
    }

    /**
     * One layer or vertex of a group.
     *
     * @param node node name (parameter-key prefix)
     * @param label layer name
     * @param type layer or vertex type
     * @param slice what is cut out of it
     * @param weightAxis the weight axis the slice runs along, -1 if it cuts no weight
     * @param unitOf per position along the sliced axis (or channel), the group's unit it belongs
     *     to, -1 where another group (or none) owns it
     */
    public record Member(
            String node, String label, String type, Slice slice, int weightAxis, int[] unitOf) {

        /** Positions of this member in the group. */
        public int count() {
            return (int) Arrays.stream(unitOf).filter(u -> u >= 0).count();
        }

        /** Length of the sliced axis. */
        public int width() {
            return unitOf.length;
        }

        public String weightKey() {
            return ParamKeys.weight(node);
        }

        /** Whether removing the group removes weights of this member that make the channels. */
        public boolean carriesFilters() {
            return slice == Slice.OUT || slice == Slice.DEPTHWISE;
        }

        /** E.g. {@code s1b0_bn1 (BatchNormalization): norm 8 of 8}. */
        public String describe() {
            return label + " (" + type + "): " + slice + " " + count() + " of " + width();
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Member m
                    && node.equals(m.node)
                    && label.equals(m.label)
                    && type.equals(m.type)
                    && slice == m.slice
                    && weightAxis == m.weightAxis
                    && Arrays.equals(unitOf, m.unitOf);
        }

        @Override
        public int hashCode() {
            return node.hashCode() * 31 + slice.hashCode() * 7 + Arrays.hashCode(unitOf);
        }

        @Override
        public String toString() {
            return describe();
        }
    }

    /**
     * The root node of the group named {@code name} ({@link #name()}) among {@code nodes}: the name
     * itself, or the part before {@code #k}.
     */
    public static String nodeOf(String name, java.util.Collection<String> nodes) {
        int at = name.lastIndexOf('#');
        return nodes.contains(name) || at < 0 ? name : name.substring(0, at);
    }

    public boolean prunable() {
        return blockedBy == null;
    }

    /** The members with the given slice. */
    public List<Member> members(Slice slice) {
        return members.stream().filter(m -> m.slice() == slice).toList();
    }

    /** Node names of the members with the given slice. */
    public List<String> nodes(Slice slice) {
        return members(slice).stream().map(Member::node).toList();
    }

    /** Layer names of the layers that make the group's channels ({@link Slice#OUT}). */
    public List<String> producerLabels() {
        return members(Slice.OUT).stream().map(Member::label).toList();
    }

    /**
     * Whether the default ratio leaves the group alone, so only a rule naming one of its layers
     * prunes it: as in the paper, the layer reading the network input is kept, and in a network
     * with convolutions only conv filters are pruned (a hidden dense layer there is pruned when a
     * rule names it).
     */
    @Override
    public boolean keptUnlessNamed() {
        return keptUnlessNamed;
    }

    /** One line: kind, root, size, members and whether it can be pruned. */
    public String describe() {
        StringBuilder sb =
                new StringBuilder()
                        .append(kind)
                        .append(" '")
                        .append(label)
                        .append("': ")
                        .append(size)
                        .append(size == 1 ? " unit" : " units")
                        .append(", ");
        sb.append(prunable() ? "prunable" : "blocked: " + blockedBy).append(" [");
        for (int i = 0; i < members.size(); i++) {
            sb.append(i == 0 ? "" : "; ").append(members.get(i).describe());
        }
        return sb.append(']').toString();
    }
}
