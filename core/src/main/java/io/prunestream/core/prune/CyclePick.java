package io.prunestream.core.prune;

import io.prunestream.core.group.Group;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * How many units of each group a continuous run's next pruning cycle removes: {@code step} of the
 * group's remaining units (at least one), never past the most its layer may lose ({@code limits},
 * the run's {@code prune.ratios}, of the width it started with) and, with a ratio target, never
 * past that share of all prunable units. Only groups {@code limits} prunes take part.
 *
 * @param remove units to remove per group, keyed by the group's first producing layer
 * @param width the group's current width, same keys
 */
public record CyclePick(Map<String, Integer> remove, Map<String, Integer> width) {

    public CyclePick {
        remove = Map.copyOf(remove);
        width = Map.copyOf(width);
    }

    /**
     * The next cycle's pick.
     *
     * @param groups the current network's groups
     * @param limits the run's ratios: which layers may be pruned, and how far at most
     * @param baseWidths every layer's width in the network the run started from
     * @param step share of each group's remaining units to remove, in (0, 1)
     * @param targetRatio share of all prunable units to remove in the end; 0 = no such target
     */
    public static CyclePick next(
            List<Group> groups,
            LayerRatios limits,
            Map<String, Long> baseWidths,
            double step,
            double targetRatio) {
        Map<String, Integer> remove = new LinkedHashMap<>();
        Map<String, Integer> width = new LinkedHashMap<>();
        long total = 0;
        long removed = 0;
        for (Group g : groups) {
            double limit = PruneSelector.ratioOf(g, limits);
            if (!g.prunable() || limit <= 0) {
                continue;
            }
            String label = g.producerLabels().get(0);
            int base = Math.toIntExact(baseWidths.getOrDefault(label, (long) g.size()));
            int n = g.size();
            total += base;
            removed += base - n;
            int room = n - (base - PruneSelector.prunedCount(limit, base));
            int k = Math.min(Math.min(room, ceil(step * n)), n - 1);
            if (k > 0) {
                remove.put(label, k);
                width.put(label, n);
            }
        }
        if (targetRatio > 0) {
            long allowed = ceil(targetRatio * total) - removed;
            for (Map.Entry<String, Integer> e : remove.entrySet()) {
                int k = (int) Math.max(0, Math.min(e.getValue(), allowed));
                e.setValue(k);
                allowed -= k;
            }
            remove.values().removeIf(k -> k == 0);
            width.keySet().retainAll(remove.keySet());
        }
        return new CyclePick(remove, width);
    }

    /** Share of the prunable units (those {@code limits} prunes) removed since the start. */
    public static double removedShare(
            List<Group> groups, LayerRatios limits, Map<String, Long> baseWidths) {
        long total = 0;
        long removed = 0;
        for (Group g : groups) {
            if (g.prunable() && PruneSelector.ratioOf(g, limits) > 0) {
                long base = baseWidths.getOrDefault(g.producerLabels().get(0), (long) g.size());
                total += base;
                removed += base - g.size();
            }
        }
        return total == 0 ? 0 : (double) removed / total;
    }

    public boolean isEmpty() {
        return remove.isEmpty();
    }

    /** Units removed in all. */
    public int total() {
        return remove.values().stream().mapToInt(Integer::intValue).sum();
    }

    /** Ratios that make {@link PruneSelector} remove exactly these counts. */
    public LayerRatios ratios() {
        Map<String, Double> r = new LinkedHashMap<>();
        remove.forEach((label, k) -> r.put(label, ratioFor(k, width.get(label))));
        return LayerRatios.exact(r);
    }

    /** The largest ratio whose {@link PruneSelector#prunedCount} of {@code n} is {@code k}. */
    public static double ratioFor(int k, int n) {
        double r = (double) k / n;
        while (PruneSelector.prunedCount(r, n) > k) {
            r = Math.nextDown(r);
        }
        return r;
    }

    private static int ceil(double v) {
        return BigDecimal.valueOf(v).setScale(0, RoundingMode.CEILING).intValueExact();
    }
}
