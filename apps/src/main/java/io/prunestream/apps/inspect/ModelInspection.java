package io.prunestream.apps.inspect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.prunestream.core.cost.LayerCost;
import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.group.DependencyGraph;
import io.prunestream.core.group.Group;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.LayerGraph;
import io.prunestream.core.nn.Network;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.prune.PrunePreview;
import io.prunestream.core.prune.PruneSelector;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.deeplearning4j.nn.conf.inputs.InputType;

/**
 * What {@code ./prunestream inspect} reports of a network: every layer with its output shape,
 * params and FLOPs (counted as {@link NetworkCost} counts them), every group the dependency graph
 * finds with its members and why it is blocked, and the totals before and after pruning at the
 * given ratios ({@link PrunePreview}). Printed as text or as one JSON document (this record, as
 * Jackson writes it).
 *
 * @param model what was inspected: the file path or the built-in model's name
 * @param format {@code onnx}, {@code keras}, {@code dl4j} or {@code built-in}
 * @param input the sample shape, e.g. {@code 1x28x28} or {@code 32}
 * @param classes the network's outputs
 * @param scope {@code inner} or {@code coupled} ({@code prune.groups})
 * @param ratios the pruning ratios as given ({@code prune.ratios})
 * @param importance the criterion that picks the pruned units ({@code prune.importance})
 * @param layers every layer and vertex, in graph order
 * @param groups every group, prunable or not, in graph order
 * @param totals params and FLOPs now and after pruning
 */
public record ModelInspection(
        String model,
        String format,
        String input,
        int classes,
        String scope,
        String ratios,
        String importance,
        List<Layer> layers,
        List<GroupReport> groups,
        Totals totals) {

    /**
     * One layer or vertex.
     *
     * @param name the layer's name
     * @param type its layer or vertex type (as the group finder names it)
     * @param output its output shape per sample, e.g. {@code 8x28x28} or {@code 64}
     * @param params weights and biases (BatchNorm: gamma and beta)
     * @param counted whether {@code params} counts in the totals (conv and linear layers only)
     * @param flops FLOPs per sample (2 x multiply-accumulates; 0 for layers that are not counted)
     * @param paramsAfter {@code params} after pruning
     * @param flopsAfter {@code flops} after pruning
     */
    public record Layer(
            String name,
            String type,
            String output,
            long params,
            boolean counted,
            long flops,
            long paramsAfter,
            long flopsAfter) {}

    /**
     * One group.
     *
     * @param name its key in a pruning plan
     * @param layer the layer that makes its channels first (the root)
     * @param kind {@code filters}, {@code neurons} or {@code coupled}
     * @param size units (channels or neurons) a ratio is a fraction of
     * @param prunable whether it can be pruned
     * @param blockedBy why not, or null
     * @param ratio the ratio {@code ratios} gives it (0 for a blocked group, and for a group the
     *     default leaves alone unless a rule names one of its layers)
     * @param keptUnlessNamed whether the default ratio leaves it alone (the layer reading the
     *     input; dense layers in a network with convolutions)
     * @param pruned units pruned at {@code ratio}
     * @param members what is sliced with it
     */
    public record GroupReport(
            String name,
            String layer,
            String kind,
            int size,
            boolean prunable,
            String blockedBy,
            double ratio,
            boolean keptUnlessNamed,
            int pruned,
            List<Member> members) {}

    /**
     * One member of a group.
     *
     * @param layer layer name
     * @param type layer or vertex type
     * @param slice {@code out}, {@code in}, {@code norm}, {@code depthwise}, {@code flatten} or
     *     {@code pass}
     * @param count positions of the sliced axis that belong to the group
     * @param width length of the sliced axis
     */
    public record Member(String layer, String type, String slice, int count, int width) {}

    /**
     * @param before params and FLOPs now
     * @param after params and FLOPs after pruning at the ratios
     * @param speedup FLOPs now / FLOPs after
     */
    public record Totals(Cost before, Cost after, double speedup) {}

    /** Params (conv and linear weights and biases) and FLOPs per sample. */
    public record Cost(long params, long flops) {}

    /**
     * Inspects {@code net}: its groups in {@code scope} and what pruning at {@code ratios} with the
     * {@code importance} criterion would do.
     */
    public static ModelInspection of(
            String model,
            String format,
            Network net,
            int classes,
            GroupScope scope,
            String ratiosText,
            LayerRatios ratios,
            ImportanceCriterion importance) {
        PrunePreview p = PrunePreview.of(net, scope, ratios, importance.importance());
        DependencyGraph graph = DependencyGraph.of(net);
        Map<String, LayerCost> before = byLabel(p.before());
        Map<String, LayerCost> after = byLabel(p.after());
        List<Layer> layers = new ArrayList<>();
        for (LayerGraph.Node n : graph.layers().nodes()) {
            LayerCost now = before.get(n.label());
            LayerCost then = after.getOrDefault(n.label(), now);
            layers.add(
                    new Layer(
                            n.label(),
                            graph.typeOf(n.name()),
                            shape(n.outputType()),
                            now == null ? 0 : now.params(),
                            now != null && now.countsParams(),
                            now == null ? 0 : now.flops(),
                            then == null ? 0 : then.params(),
                            then == null ? 0 : then.flops()));
        }
        List<GroupReport> groups = new ArrayList<>();
        for (Group g : p.groups()) {
            List<Member> members = new ArrayList<>();
            for (Group.Member m : g.members()) {
                members.add(
                        new Member(
                                m.label(), m.type(), m.slice().toString(), m.count(), m.width()));
            }
            double ratio = g.prunable() ? PruneSelector.ratioOf(g, ratios) : 0;
            groups.add(
                    new GroupReport(
                            g.name(),
                            g.label(),
                            g.kind().toString(),
                            g.size(),
                            g.prunable(),
                            g.blockedBy(),
                            ratio,
                            g.keptUnlessNamed(),
                            p.plan().pruned().containsKey(g.name())
                                    ? p.plan().prunedOf(g.name()).length
                                    : 0,
                            members));
        }
        Totals totals =
                new Totals(
                        new Cost(p.before().params(), p.before().flops()),
                        new Cost(p.after().params(), p.after().flops()),
                        p.before().speedupOver(p.after()));
        return new ModelInspection(
                model,
                format,
                net.inputShape().toString(),
                classes,
                scope.toString(),
                ratiosText,
                importance.toString(),
                List.copyOf(layers),
                List.copyOf(groups),
                totals);
    }

    private static Map<String, LayerCost> byLabel(NetworkCost cost) {
        Map<String, LayerCost> out = new HashMap<>();
        cost.layers().forEach(l -> out.put(l.label(), l));
        return out;
    }

    /** {@code CxHxW} for feature maps, the number of values otherwise. */
    static String shape(InputType t) {
        if (t instanceof InputType.InputTypeConvolutional c) {
            return c.getChannels() + "x" + c.getHeight() + "x" + c.getWidth();
        }
        if (t == null) {
            return "?";
        }
        return Long.toString(t.arrayElementsPerExample());
    }

    /** The groups that can be pruned. */
    public long prunableGroups() {
        return groups.stream().filter(GroupReport::prunable).count();
    }

    /** This inspection as one JSON document. */
    public String json() {
        try {
            return new ObjectMapper()
                    .enable(SerializationFeature.INDENT_OUTPUT)
                    .writeValueAsString(this);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** This inspection as text: a header, one line per layer, the groups, the totals. */
    public String text() {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%s (%s): input %s, %d classes; groups %s, ratios %s, importance %s%n",
                        model,
                        format,
                        input,
                        classes,
                        scope,
                        ratios,
                        importance));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%nlayers (params: conv and linear weights and biases, * BatchNorm gamma and"
                                + " beta, not in the totals; FLOPs per sample = 2 x MACs)%n"));
        int nameWidth =
                Math.max(5, layers.stream().mapToInt(l -> l.name().length()).max().orElse(0));
        int typeWidth =
                Math.max(4, layers.stream().mapToInt(l -> l.type().length()).max().orElse(0));
        String row = "  %-" + nameWidth + "s  %-" + typeWidth + "s  %-10s %9s %11s %9s %11s%n";
        sb.append(
                String.format(
                        Locale.ROOT,
                        row,
                        "layer",
                        "type",
                        "output",
                        "params",
                        "FLOPs",
                        "params'",
                        "FLOPs'"));
        for (Layer l : layers) {
            boolean costs = l.params() > 0 || l.flops() > 0;
            String star = l.counted() ? "" : "*";
            String line =
                    String.format(
                            Locale.ROOT,
                            row,
                            l.name(),
                            l.type(),
                            l.output(),
                            costs ? l.params() + star : "-",
                            costs ? Long.toString(l.flops()) : "-",
                            costs ? l.paramsAfter() + star : "",
                            costs ? Long.toString(l.flopsAfter()) : "");
            sb.append(line.stripTrailing()).append(System.lineSeparator());
        }
        sb.append(
                String.format(
                        Locale.ROOT,
                        "  (params' and FLOPs': after pruning at the ratios)%n%ngroups (%s): %d, %d"
                                + " prunable, %d blocked%n",
                        scope,
                        groups.size(),
                        prunableGroups(),
                        groups.size() - prunableGroups()));
        for (GroupReport g : groups) {
            String state;
            if (!g.prunable()) {
                state = "blocked: " + g.blockedBy();
            } else if (g.ratio() == 0) {
                state =
                        g.keptUnlessNamed()
                                ? "prunable, kept by the default ratio (name "
                                        + g.layer()
                                        + " in the ratios to prune it)"
                                : "prunable, ratio 0";
            } else {
                state =
                        String.format(
                                Locale.ROOT,
                                "prunable, ratio %s: %d of %d pruned",
                                ratio(g.ratio()),
                                g.pruned(),
                                g.size());
            }
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "  %s (%s, %d %s): %s%n",
                            g.name(),
                            g.kind(),
                            g.size(),
                            g.size() == 1 ? "unit" : "units",
                            state));
            StringBuilder m = new StringBuilder("      ");
            for (int i = 0; i < g.members().size(); i++) {
                Member x = g.members().get(i);
                m.append(i == 0 ? "" : "; ")
                        .append(x.layer())
                        .append(' ')
                        .append(x.type())
                        .append(' ')
                        .append(x.slice());
                if (!x.slice().equals("pass") || x.count() != x.width()) {
                    m.append(' ').append(x.count()).append('/').append(x.width());
                }
            }
            sb.append(m).append(System.lineSeparator());
        }
        Cost b = totals.before();
        Cost a = totals.after();
        sb.append(String.format(Locale.ROOT, "%ntotals            params        FLOPs%n"));
        sb.append(String.format(Locale.ROOT, "  now       %12d %12d%n", b.params(), b.flops()));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "  after     %12d %12d   (%s, ratios %s)%n",
                        a.params(),
                        a.flops(),
                        scope,
                        ratios));
        sb.append(
                String.format(
                        Locale.ROOT,
                        "  removed   %12d %12d   (%s of the params, %s of the FLOPs)%n",
                        b.params() - a.params(),
                        b.flops() - a.flops(),
                        percent(b.params(), a.params()),
                        percent(b.flops(), a.flops())));
        sb.append(
                String.format(
                        Locale.ROOT, "  speed-up  %.2fx (FLOPs now / after)%n", totals.speedup()));
        return sb.toString();
    }

    private static String ratio(double r) {
        return String.format(Locale.ROOT, "%.3f", r).replaceAll("0+$", "").replaceAll("\\.$", "");
    }

    private static String percent(long before, long after) {
        return String.format(
                Locale.ROOT, "%.1f%%", before == 0 ? 0.0 : 100.0 * (before - after) / before);
    }
}
