package io.prunestream.core.group;

import io.prunestream.core.group.ChannelRule.Classify;
import io.prunestream.core.group.ChannelRule.Concat;
import io.prunestream.core.group.ChannelRule.Depthwise;
import io.prunestream.core.group.ChannelRule.Flatten;
import io.prunestream.core.group.ChannelRule.Join;
import io.prunestream.core.group.ChannelRule.PerChannel;
import io.prunestream.core.group.ChannelRule.Produce;
import io.prunestream.core.group.ChannelRule.Unknown;
import io.prunestream.core.group.Group.Member;
import io.prunestream.core.group.Group.Slice;
import io.prunestream.core.nn.LayerGraph;
import io.prunestream.core.nn.Network;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * Which channels of a network depend on which, built once per network (Torch-Pruning's
 * DependencyGraph on DL4J's graph): every node output, and every layer input its preprocessor
 * reshapes, is a space of channels; each layer's {@link ChannelRule} links its output channels to
 * the input channels they are made from. Channels linked to each other, directly or not, can only
 * be removed together: each such set is one unit of a {@link Group}, and the units that touch the
 * same layers form one group.
 *
 * <p>With {@link GroupScope#INNER} the links of adds and concatenations are not followed: a group
 * that reaches one is blocked, as in the paper. With {@link GroupScope#COUPLED} they are, so the
 * channels an add joins (a ResNet's residual stream) are one group, and a concatenation's input
 * channels map to their offsets in its readers' inputs.
 *
 * <p>A group is blocked when it touches a layer no rule covers, the network output or the network
 * input (e.g. an add with the input), or when no layer reads it.
 */
public final class DependencyGraph {

    private record Space(String node, int width, int base) {}

    /** Element {@code a[i]} and {@code b[i]} are the same channel. */
    private record Links(boolean join, int[] a, int[] b) {}

    /** Why groups that touch {@code space} are blocked; {@code order} ranks the reasons. */
    private record Blocker(int space, int order, String node, String text) {}

    private final LayerGraph graph;
    private final List<LayerGraph.Node> nodes;
    private final Map<String, Integer> order = new HashMap<>();
    private final Map<String, ChannelRule> rules = new LinkedHashMap<>();
    private final Map<String, ChannelRule> preRules = new HashMap<>();
    private final List<Space> spaces = new ArrayList<>();
    private final Map<String, Integer> outSpace = new HashMap<>();
    private final Map<String, Integer> preSpace = new HashMap<>();
    private final List<Links> links = new ArrayList<>();
    private final List<Blocker> blockers = new ArrayList<>();
    private final List<Blocker> joinBlockers = new ArrayList<>();
    private final Set<Integer> dataSpaces = new HashSet<>();
    private int elements;

    private DependencyGraph(LayerGraph graph) {
        this.graph = graph;
        this.nodes = graph.nodes();
        for (String in : graph.networkInputs()) {
            int s = addSpace(in, width(graph.inputType()));
            outSpace.put(in, s);
            dataSpaces.add(s);
            blockers.add(
                    new Blocker(s, -1, in, "its channels meet the network input '" + in + "'"));
        }
        for (int i = 0; i < nodes.size(); i++) {
            LayerGraph.Node n = nodes.get(i);
            order.put(n.name(), i);
            ChannelRule rule = ChannelRule.of(graph, n);
            rules.put(n.name(), rule);
            ChannelRule pre = n.layer() == null ? null : ChannelRule.pre(n.preProcessor());
            if (pre != null) {
                preRules.put(n.name(), pre);
                InputType t = n.preProcessor().getOutputType(graph.inputTypeOf(n.name()));
                preSpace.put(n.name(), addSpace(n.name(), width(t)));
            }
            int width = width(n.outputType());
            if (width == 0 && rule instanceof PerChannel) {
                width = width(graph.inputTypeOf(n.name())); // DL4J types a LossLayer 0 wide
            }
            outSpace.put(n.name(), addSpace(n.name(), width));
        }
        for (LayerGraph.Node n : nodes) {
            link(n);
            if (graph.isNetworkOutput(n.name())) {
                blockers.add(
                        new Blocker(outSpace.get(n.name()), order.get(n.name()), n.name(), null));
            }
        }
        propagateData();
    }

    /** The dependency graph of a network's configuration. */
    public static DependencyGraph of(LayerGraph graph) {
        return new DependencyGraph(graph);
    }

    public static DependencyGraph of(Network net) {
        return of(net.graph());
    }

    public LayerGraph layers() {
        return graph;
    }

    /** The layer or vertex type of a node, as the group finder names it. */
    public String typeOf(String node) {
        return rule(node).type();
    }

    private ChannelRule rule(String node) {
        ChannelRule r = rules.get(node);
        if (r == null) {
            throw new IllegalArgumentException("no node named '" + node + "'");
        }
        return r;
    }

    private int addSpace(String node, int width) {
        spaces.add(new Space(node, width, elements));
        elements += width;
        return spaces.size() - 1;
    }

    private static int width(InputType t) {
        if (t instanceof InputType.InputTypeConvolutional c) {
            return (int) c.getChannels();
        }
        if (t instanceof InputType.InputTypeFeedForward
                || t instanceof InputType.InputTypeConvolutionalFlat) {
            return (int) t.arrayElementsPerExample();
        }
        return 0;
    }

    private int width(int space) {
        return spaces.get(space).width();
    }

    private List<Integer> sourceSpaces(String node) {
        List<Integer> out = new ArrayList<>();
        for (String s : graph.sourcesOf(node)) {
            out.add(outSpace.get(s));
        }
        return out;
    }

    /** The space a layer reads: its preprocessor's output, or its (single) source. */
    private int readSpace(String node) {
        Integer pre = preSpace.get(node);
        return pre != null ? pre : sourceSpaces(node).get(0);
    }

    private void link(LayerGraph.Node n) {
        String name = n.name();
        List<Integer> ins = sourceSpaces(name);
        int out = outSpace.get(name);
        ChannelRule pre = preRules.get(name);
        if (pre != null) {
            linkOne(n, pre, List.of(ins.get(0)), preSpace.get(name), false);
            ins = List.of(preSpace.get(name));
        }
        linkOne(n, rules.get(name), ins, out, true);
    }

    private void linkOne(
            LayerGraph.Node n, ChannelRule r, List<Integer> ins, int out, boolean node) {
        String where = r.type() + " '" + n.label() + "'";
        if (!node) {
            where = r.type() + " of '" + n.label() + "'";
        }
        int ord = order.get(n.name());
        if (r instanceof Produce p) {
            if (p.mixes() != null) {
                blockers.add(new Blocker(out, ord, n.name(), where + ": " + p.mixes()));
            }
        } else if (r instanceof PerChannel) {
            if (sameWidths(ins, out, n, r, ord)) {
                links.add(new Links(false, range(ins.get(0)), range(out)));
            }
        } else if (r instanceof Depthwise d) {
            int in = ins.get(0);
            if (width(in) * d.multiplier() != width(out)) {
                unknown(
                        ins,
                        out,
                        where,
                        "whose output width is not its input's times its depth multiplier",
                        ord,
                        n.name());
            } else {
                int[] a = new int[width(out)];
                int[] b = new int[width(out)];
                for (int o = 0; o < a.length; o++) {
                    a[o] = spaces.get(in).base() + o / d.multiplier();
                    b[o] = spaces.get(out).base() + o;
                }
                links.add(new Links(false, a, b));
            }
        } else if (r instanceof Join) {
            if (sameWidths(ins, out, n, r, ord)) {
                for (int in : ins) {
                    links.add(new Links(true, range(in), range(out)));
                    joinBlockers.add(
                            new Blocker(
                                    in,
                                    ord,
                                    n.name(),
                                    "its output reaches "
                                            + where
                                            + ", which needs a fixed channel count (a residual"
                                            + " add); prune.groups: coupled prunes the channels"
                                            + " it adds as one group"));
                }
            }
        } else if (r instanceof Concat) {
            int offset = 0;
            for (int in : ins) {
                int w = width(in);
                int[] b = new int[w];
                for (int i = 0; i < w; i++) {
                    b[i] = spaces.get(out).base() + offset + i;
                }
                links.add(new Links(true, range(in), b));
                joinBlockers.add(
                        new Blocker(
                                in,
                                ord,
                                n.name(),
                                "its output reaches "
                                        + where
                                        + ", which needs a fixed channel count (a"
                                        + " concatenation); prune.groups: coupled prunes the"
                                        + " channels it carries"));
                offset += w;
            }
            if (offset != width(out)) {
                throw new IllegalStateException(
                        where + " concatenates " + offset + " channels into " + width(out));
            }
        } else if (r instanceof Flatten f) {
            String source = graph.sourcesOf(n.name()).get(0);
            InputType t =
                    graph.isNetworkInput(source)
                            ? graph.inputType()
                            : graph.node(source).outputType();
            int in = ins.get(0);
            if (!(t instanceof InputType.InputTypeConvolutional conv)
                    || conv.getChannels() * conv.getHeight() * conv.getWidth() != width(out)) {
                unknown(ins, out, where, "whose input is not [C, H, W]", ord, n.name());
            } else {
                int block = (int) (conv.getHeight() * conv.getWidth());
                int channels = width(in);
                int[] a = new int[width(out)];
                int[] b = new int[width(out)];
                for (int o = 0; o < a.length; o++) {
                    // NCHW flattens channel-major, NHWC channel-minor
                    int c = f.format() == CNN2DFormat.NHWC ? o % channels : o / block;
                    a[o] = spaces.get(in).base() + c;
                    b[o] = spaces.get(out).base() + o;
                }
                links.add(new Links(false, a, b));
            }
        } else if (r instanceof Unknown u) {
            unknown(
                    ins,
                    out,
                    where,
                    u.why() != null ? u.why() : "which prunestream cannot slice",
                    ord,
                    n.name());
        }
    }

    private boolean sameWidths(
            List<Integer> ins, int out, LayerGraph.Node n, ChannelRule r, int ord) {
        for (int in : ins) {
            if (width(in) != width(out)) {
                unknown(
                        ins,
                        out,
                        r.type() + " '" + n.label() + "'",
                        "which changes the channel count from " + width(in) + " to " + width(out),
                        ord,
                        n.name());
                return false;
            }
        }
        return true;
    }

    private void unknown(
            List<Integer> ins, int out, String where, String why, int ord, String node) {
        for (int in : ins) {
            blockers.add(new Blocker(in, ord, node, "its output reaches " + where + ", " + why));
        }
        blockers.add(new Blocker(out, ord, node, "its channels come from " + where + ", " + why));
    }

    private int[] range(int space) {
        Space s = spaces.get(space);
        int[] out = new int[s.width()];
        for (int i = 0; i < out.length; i++) {
            out[i] = s.base() + i;
        }
        return out;
    }

    /** Marks the spaces that carry the network input's channels (through per-channel layers). */
    private void propagateData() {
        boolean changed = true;
        while (changed) {
            changed = false;
            for (LayerGraph.Node n : nodes) {
                Integer pre = preSpace.get(n.name());
                if (pre != null
                        && preRules.get(n.name()) instanceof Flatten
                        && dataSpaces.contains(sourceSpaces(n.name()).get(0))) {
                    changed |= dataSpaces.add(pre);
                }
                ChannelRule r = rules.get(n.name());
                boolean passes =
                        r instanceof PerChannel || r instanceof Depthwise || r instanceof Flatten;
                if (passes
                        && graph.sourcesOf(n.name()).size() == 1
                        && dataSpaces.contains(readSpace(n.name()))) {
                    changed |= dataSpaces.add(outSpace.get(n.name()));
                }
            }
        }
    }

    /** Whether a producing layer's inputs are the network input's channels (the data). */
    private boolean readsData(String node) {
        return dataSpaces.contains(readSpace(node));
    }

    /** Every group of the network under {@code scope}, prunable or not, in graph order. */
    public List<Group> groups(GroupScope scope) {
        int[] comp = components(scope);
        // the spaces each set of linked channels touches
        Map<Integer, List<Integer>> touched = new HashMap<>();
        for (int s = 0; s < spaces.size(); s++) {
            Space sp = spaces.get(s);
            for (int p = 0; p < sp.width(); p++) {
                List<Integer> t =
                        touched.computeIfAbsent(comp[sp.base() + p], k -> new ArrayList<>());
                if (t.isEmpty() || t.get(t.size() - 1) != s) {
                    t.add(s);
                }
            }
        }
        // units that touch the same spaces form a group; the first producer found is its root
        Map<List<Integer>, List<Integer>> unitsBySpaces = new LinkedHashMap<>();
        Map<List<Integer>, Integer> rootOf = new HashMap<>();
        Set<Integer> seen = new HashSet<>();
        for (LayerGraph.Node n : nodes) {
            if (!(rules.get(n.name()) instanceof Produce)) {
                continue;
            }
            Space sp = spaces.get(outSpace.get(n.name()));
            for (int p = 0; p < sp.width(); p++) {
                int c = comp[sp.base() + p];
                if (seen.add(c)) {
                    List<Integer> key = touched.get(c);
                    unitsBySpaces.computeIfAbsent(key, k -> new ArrayList<>()).add(c);
                    rootOf.putIfAbsent(key, outSpace.get(n.name()));
                }
            }
        }
        boolean hasConv =
                rules.values().stream().anyMatch(r -> r instanceof Produce p && p.outAxis() == 0);
        // a root whose outputs fall into several groups names them root#0, root#1, ... in the
        // order of their first output: surgery keeps that order, so the names stay
        Map<Integer, Integer> perRoot = new HashMap<>();
        rootOf.values().forEach(r -> perRoot.merge(r, 1, Integer::sum));
        Map<Integer, Integer> ordinal = new HashMap<>();
        List<Group> groups = new ArrayList<>();
        for (Map.Entry<List<Integer>, List<Integer>> e : unitsBySpaces.entrySet()) {
            int root = rootOf.get(e.getKey());
            String node = spaces.get(root).node();
            int k = ordinal.merge(root, 1, Integer::sum) - 1;
            String name = perRoot.get(root) == 1 ? node : node + "#" + k;
            groups.add(
                    group(scope, comp, Set.copyOf(e.getKey()), e.getValue(), root, name, hasConv));
        }
        return groups;
    }

    private int[] components(GroupScope scope) {
        int[] parent = new int[elements];
        for (int i = 0; i < parent.length; i++) {
            parent[i] = i;
        }
        for (Links l : links) {
            if (l.join() && scope == GroupScope.INNER) {
                continue;
            }
            for (int i = 0; i < l.a().length; i++) {
                int ra = find(parent, l.a()[i]);
                int rb = find(parent, l.b()[i]);
                if (ra != rb) {
                    // the smaller root wins, so a unit is named by its earliest channel
                    parent[Math.max(ra, rb)] = Math.min(ra, rb);
                }
            }
        }
        for (int i = 0; i < parent.length; i++) {
            parent[i] = find(parent, i);
        }
        return parent;
    }

    private static int find(int[] parent, int i) {
        while (parent[i] != i) {
            parent[i] = parent[parent[i]];
            i = parent[i];
        }
        return i;
    }

    private Group group(
            GroupScope scope,
            int[] comp,
            Set<Integer> touched,
            List<Integer> units,
            int rootSpace,
            String name,
            boolean hasConv) {
        Map<Integer, Integer> unitOf = new HashMap<>();
        for (int u = 0; u < units.size(); u++) {
            unitOf.put(units.get(u), u);
        }
        Space root = spaces.get(rootSpace);
        LayerGraph.Node rootNode = graph.node(root.node());

        List<Member> members = new ArrayList<>();
        List<String> producers = new ArrayList<>();
        boolean coupled = false;
        for (LayerGraph.Node n : nodes) {
            String node = n.name();
            ChannelRule r = rules.get(node);
            if (preRules.get(node) instanceof Flatten f) {
                add(
                        members,
                        n,
                        f,
                        Slice.FLATTEN,
                        -1,
                        sourceSpaces(node).get(0),
                        touched,
                        comp,
                        unitOf);
            }
            int out = outSpace.get(node);
            if (r instanceof Produce p) {
                add(members, n, r, Slice.IN, p.inAxis(), readSpace(node), touched, comp, unitOf);
                if (add(members, n, r, Slice.OUT, p.outAxis(), out, touched, comp, unitOf)) {
                    producers.add(node);
                }
            } else if (r instanceof Classify c) {
                add(members, n, r, Slice.IN, c.inAxis(), readSpace(node), touched, comp, unitOf);
            } else if (r instanceof PerChannel p) {
                Slice slice = p.norm() ? Slice.NORM : Slice.PASS;
                add(members, n, r, slice, -1, out, touched, comp, unitOf);
            } else if (r instanceof Depthwise) {
                add(members, n, r, Slice.DEPTHWISE, 2, readSpace(node), touched, comp, unitOf);
            } else if (r instanceof Join || r instanceof Concat) {
                coupled |= add(members, n, r, Slice.PASS, -1, out, touched, comp, unitOf);
            } else if (r instanceof Flatten) {
                int in = sourceSpaces(node).get(0);
                add(members, n, r, Slice.FLATTEN, -1, in, touched, comp, unitOf);
            }
        }
        coupled |= producers.size() > 1;

        String blockedBy = null;
        int best = Integer.MAX_VALUE;
        List<Blocker> all = new ArrayList<>(blockers);
        if (scope == GroupScope.INNER) {
            all.addAll(joinBlockers);
        }
        for (Blocker b : all) {
            if (touched.contains(b.space()) && b.order() < best) {
                best = b.order();
                blockedBy = b.text() != null ? b.text() : outputReason(b.node(), root.node());
            }
        }
        if (blockedBy == null && members.stream().noneMatch(m -> m.slice() == Slice.IN)) {
            blockedBy = "no layer reads its output";
        }
        boolean readsInput = producers.stream().allMatch(this::readsData);
        boolean dense =
                producers.stream()
                        .allMatch(p -> rules.get(p) instanceof Produce q && q.outAxis() != 0);
        Group.Kind kind =
                coupled
                        ? Group.Kind.COUPLED
                        : ((Produce) rules.get(root.node())).outAxis() == 0
                                ? Group.Kind.FILTERS
                                : Group.Kind.NEURONS;
        return new Group(
                name,
                root.node(),
                rootNode.label(),
                kind,
                units.size(),
                members,
                blockedBy,
                readsInput,
                readsInput || (dense && hasConv));
    }

    private String outputReason(String outputNode, String root) {
        return outputNode.equals(root)
                ? "it is a network output"
                : "its channels reach the network output at '"
                        + graph.node(outputNode).label()
                        + "'";
    }

    /** Adds the member of {@code n} on {@code space} if the group has positions there. */
    private boolean add(
            List<Member> members,
            LayerGraph.Node n,
            ChannelRule rule,
            Slice slice,
            int axis,
            int space,
            Set<Integer> touched,
            int[] comp,
            Map<Integer, Integer> unitOf) {
        if (!touched.contains(space)) {
            return false;
        }
        Space s = spaces.get(space);
        int[] units = new int[s.width()];
        boolean any = false;
        for (int p = 0; p < units.length; p++) {
            Integer u = unitOf.get(comp[s.base() + p]);
            units[p] = u == null ? -1 : u;
            any |= u != null;
        }
        if (any) {
            members.add(new Member(n.name(), n.label(), rule.type(), slice, axis, units));
        }
        return any;
    }
}
