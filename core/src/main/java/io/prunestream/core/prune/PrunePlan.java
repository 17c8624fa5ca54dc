package io.prunestream.core.prune;

import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.state.Codec;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Which groups a run removes: for filter granularity, filter indices per conv node; for weight
 * granularity, flat (c-order) element indices per weight key. Indices are sorted ascending.
 */
public final class PrunePlan {
    private final Granularity granularity;
    private final Map<String, int[]> pruned;
    private final Map<String, Integer> sizes;

    public PrunePlan(
            Granularity granularity, Map<String, int[]> pruned, Map<String, Integer> sizes) {
        this.granularity = granularity;
        this.pruned = Collections.unmodifiableMap(new LinkedHashMap<>(pruned));
        this.sizes = Collections.unmodifiableMap(new LinkedHashMap<>(sizes));
        for (Map.Entry<String, int[]> e : pruned.entrySet()) {
            Integer n = sizes.get(e.getKey());
            if (n == null) {
                throw new IllegalArgumentException("no size given for '" + e.getKey() + "'");
            }
            int[] idx = e.getValue();
            for (int i = 0; i < idx.length; i++) {
                if (idx[i] < 0 || idx[i] >= n || (i > 0 && idx[i] <= idx[i - 1])) {
                    throw new IllegalArgumentException(
                            "pruned indices of '"
                                    + e.getKey()
                                    + "' must be sorted, distinct and in [0, "
                                    + n
                                    + "): "
                                    + Arrays.toString(idx));
                }
            }
            if (idx.length >= n) {
                throw new IllegalArgumentException(
                        "plan would empty '" + e.getKey() + "' (" + n + " of " + n + ")");
            }
        }
    }

    public Granularity granularity() {
        return granularity;
    }

    /** Keys with at least one pruned index. */
    public Map<String, int[]> pruned() {
        return pruned;
    }

    public int sizeOf(String key) {
        return sizes.get(key);
    }

    public int[] prunedOf(String key) {
        return pruned.getOrDefault(key, new int[0]);
    }

    /** Indices kept for a key, ascending. */
    public int[] keptOf(String key) {
        int n = sizes.get(key);
        boolean[] gone = new boolean[n];
        for (int i : prunedOf(key)) {
            gone[i] = true;
        }
        int[] kept = new int[n - prunedOf(key).length];
        int k = 0;
        for (int i = 0; i < n; i++) {
            if (!gone[i]) {
                kept[k++] = i;
            }
        }
        return kept;
    }

    public boolean isEmpty() {
        return pruned.isEmpty();
    }

    /** Fraction of this plan's pruned indices that {@code other} prunes too. */
    public double overlapWith(PrunePlan other) {
        long total = 0;
        long shared = 0;
        for (Map.Entry<String, int[]> e : pruned.entrySet()) {
            int[] theirs = other.prunedOf(e.getKey());
            for (int i : e.getValue()) {
                total++;
                if (Arrays.binarySearch(theirs, i) >= 0) {
                    shared++;
                }
            }
        }
        return total == 0 ? 1.0 : (double) shared / total;
    }

    /** Binary layout, version 1: granularity, then per key its size and pruned indices. */
    public static final Codec<PrunePlan> CODEC =
            Codec.of("prune plan", 1, 1, PrunePlan::write, PrunePlan::read);

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("PrunePlan[" + granularity);
        pruned.forEach(
                (k, v) ->
                        sb.append(", ")
                                .append(k)
                                .append(": ")
                                .append(v.length)
                                .append('/')
                                .append(sizes.get(k)));
        return sb.append(']').toString();
    }

    private static void write(PrunePlan p, DataOutput out) throws IOException {
        out.writeByte(p.granularity.ordinal());
        out.writeInt(p.sizes.size());
        for (Map.Entry<String, Integer> e : p.sizes.entrySet()) {
            out.writeUTF(e.getKey());
            out.writeInt(e.getValue());
            int[] idx = p.prunedOf(e.getKey());
            out.writeInt(idx.length);
            for (int i : idx) {
                out.writeInt(i);
            }
        }
    }

    private static PrunePlan read(DataInput in, int version) throws IOException {
        Granularity g = Granularity.values()[in.readByte()];
        int n = in.readInt();
        Map<String, int[]> pruned = new LinkedHashMap<>();
        Map<String, Integer> sizes = new LinkedHashMap<>();
        for (int k = 0; k < n; k++) {
            String key = in.readUTF();
            sizes.put(key, in.readInt());
            int[] idx = new int[in.readInt()];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = in.readInt();
            }
            if (idx.length > 0) {
                pruned.put(key, idx);
            }
        }
        return new PrunePlan(g, pruned, sizes);
    }
}
