package io.prunestream.job.operators;

import io.prunestream.core.state.Codec;
import java.io.Serializable;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;

/**
 * Which subtask trains which run. Flink places a key by the hash of its key group, and two run ids
 * often hash to the same subtask (r50 and r90 do at parallelism 2 to 4), leaving a TaskManager
 * idle. So each run gets a routing key: its id, or its id with a suffix {@code @n}, chosen so that
 * routing keys of N runs fall on N different subtasks.
 *
 * <p>A run's keyed state lives under its routing key, so a key, once given, is the run's for good:
 * the placement is kept in the job's state ({@link FanOutToRuns}) and {@link #extend} keeps every
 * key it is given, whatever runs are added or removed; only new runs get new keys.
 *
 * <p>New keys, deterministic in the run ids and the maximum parallelism M: new runs are taken in id
 * order, each keeps the first of {@code id, id@1, id@2, ...} whose key group is separated from the
 * active runs' at every parallelism from N to M — so N runs land on N subtasks at any parallelism
 * >= N. Where no such key exists (many runs for M), new runs go to the least loaded subtasks at the
 * job's own parallelism P (a rescaled job then keeps its state, but not the even spread).
 */
public final class RunPlacement implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int MAX_SUFFIX = 100_000;

    /** The placement as it is kept in state: run id → routing key, for every run given a key. */
    public record Keys(Map<String, String> keyOfRun) {
        public Keys {
            keyOfRun = Map.copyOf(keyOfRun);
        }
    }

    /** Binary layout of the kept placement, version 1: a count, then run id and key pairs. */
    public static final Codec<Keys> KEYS_CODEC =
            Codec.of(
                    "run placement",
                    1,
                    1,
                    (k, out) -> {
                        Map<String, String> sorted = new TreeMap<>(k.keyOfRun());
                        out.writeInt(sorted.size());
                        for (Map.Entry<String, String> e : sorted.entrySet()) {
                            out.writeUTF(e.getKey());
                            out.writeUTF(e.getValue());
                        }
                    },
                    (in, v) -> {
                        int n = in.readInt();
                        Map<String, String> keys = new TreeMap<>();
                        for (int i = 0; i < n; i++) {
                            keys.put(in.readUTF(), in.readUTF());
                        }
                        return new Keys(keys);
                    });

    private final Map<String, String> keyOfRun;
    private final Map<String, String> runOfKey;
    private final boolean stableAcrossRescaling;

    private RunPlacement(Map<String, String> keyOfRun, boolean stable) {
        this.keyOfRun = Map.copyOf(keyOfRun);
        Map<String, String> inverse = new HashMap<>();
        keyOfRun.forEach((run, key) -> inverse.put(key, run));
        this.runOfKey = Map.copyOf(inverse);
        this.stableAcrossRescaling = stable;
    }

    /** The plan for these runs when no placement exists yet. */
    public static RunPlacement plan(List<String> runIds, int parallelism, int maxParallelism) {
        return extend(Map.of(), runIds, parallelism, maxParallelism);
    }

    /**
     * The placement {@code existing} (run id → routing key) kept as it is, with keys for the runs
     * of {@code runIds} it does not have. Runs of {@code existing} that are not in {@code runIds}
     * keep their keys too (they are not trained, but their state is found again when they come
     * back).
     */
    public static RunPlacement extend(
            Map<String, String> existing,
            List<String> runIds,
            int parallelism,
            int maxParallelism) {
        Map<String, String> keys = new LinkedHashMap<>(existing);
        List<String> active = runIds.stream().distinct().sorted().toList();
        List<String> fresh = active.stream().filter(id -> !existing.containsKey(id)).toList();
        int n = active.size();
        TreeMap<Integer, String> groups = new TreeMap<>();
        for (String id : active) {
            if (existing.containsKey(id)) {
                groups.put(
                        KeyGroupRangeAssignment.assignToKeyGroup(existing.get(id), maxParallelism),
                        id);
            }
        }
        boolean stable = n <= maxParallelism && separated(groups, n, maxParallelism);
        Map<String, String> chosen = new LinkedHashMap<>();
        for (String id : fresh) {
            if (!stable) {
                break;
            }
            stable = false;
            for (int s = 0; s <= MAX_SUFFIX; s++) {
                String key = keyFor(id, s);
                int g = KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism);
                if (separatedFromAll(g, groups, n, maxParallelism)) {
                    chosen.put(id, key);
                    groups.put(g, key);
                    stable = true;
                    break;
                }
            }
        }
        if (!stable) {
            chosen = leastLoaded(keys, active, fresh, parallelism, maxParallelism);
        }
        keys.putAll(chosen);
        return new RunPlacement(keys, stable);
    }

    /** Keys for the fresh runs, each on the subtask with the fewest active runs at P. */
    private static Map<String, String> leastLoaded(
            Map<String, String> existing,
            List<String> active,
            List<String> fresh,
            int parallelism,
            int maxParallelism) {
        int[] load = new int[parallelism];
        for (String id : active) {
            String key = existing.get(id);
            if (key != null) {
                load[subtask(key, parallelism, maxParallelism)]++;
            }
        }
        Map<String, String> chosen = new LinkedHashMap<>();
        for (String id : fresh) {
            int target = 0;
            for (int i = 1; i < parallelism; i++) {
                if (load[i] < load[target]) {
                    target = i;
                }
            }
            for (int s = 0; ; s++) {
                String key = keyFor(id, s);
                if (subtask(key, parallelism, maxParallelism) == target) {
                    chosen.put(id, key);
                    load[target]++;
                    break;
                }
            }
        }
        return chosen;
    }

    private static String keyFor(String id, int suffix) {
        return suffix == 0 ? id : id + "@" + suffix;
    }

    private static int subtask(String key, int parallelism, int maxParallelism) {
        return KeyGroupRangeAssignment.assignKeyToParallelOperator(
                key, maxParallelism, parallelism);
    }

    /** Whether the given key groups are pairwise separated at each parallelism in [n, max]. */
    private static boolean separated(TreeMap<Integer, String> groups, int n, int maxParallelism) {
        TreeMap<Integer, String> seen = new TreeMap<>();
        for (int g : groups.keySet()) {
            if (!separatedFromAll(g, seen, n, maxParallelism)) {
                return false;
            }
            seen.put(g, groups.get(g));
        }
        return true;
    }

    /** Whether key group g lands apart from every chosen one at each parallelism in [n, max]. */
    private static boolean separatedFromAll(
            int g, TreeMap<Integer, String> chosen, int n, int maxParallelism) {
        for (int other : chosen.keySet()) {
            if (other == g) {
                return false;
            }
            for (int p = Math.max(1, n); p <= maxParallelism; p++) {
                if ((long) g * p / maxParallelism == (long) other * p / maxParallelism) {
                    return false;
                }
            }
        }
        return true;
    }

    /** The run id a routing key was made from: the key without its {@code @n} suffix. */
    public static String runOfKey(String key) {
        int at = key.lastIndexOf('@');
        return at < 0 ? key : key.substring(0, at);
    }

    /** The key a run's records are keyed by. */
    public String keyOf(String runId) {
        String k = keyOfRun.get(runId);
        if (k == null) {
            throw new IllegalStateException("no routing key for run '" + runId + "'");
        }
        return k;
    }

    /** The run a routing key stands for. */
    public String runOf(String key) {
        String r = runOfKey.get(key);
        if (r == null) {
            throw new IllegalStateException("no run for routing key '" + key + "'");
        }
        return r;
    }

    /** Whether the active runs' keys spread at any parallelism >= their number. */
    public boolean stableAcrossRescaling() {
        return stableAcrossRescaling;
    }

    /** Routing key per run id, every run the placement has ever given a key. */
    public Map<String, String> keys() {
        return keyOfRun;
    }

    /** The placement to keep in state. */
    public Keys snapshot() {
        return new Keys(keyOfRun);
    }

    /** The subtask that trains each run at a parallelism (Flink's own key-group assignment). */
    public Map<String, Integer> subtasks(int parallelism, int maxParallelism) {
        Map<String, Integer> out = new LinkedHashMap<>();
        keyOfRun.forEach((run, key) -> out.put(run, subtask(key, parallelism, maxParallelism)));
        return out;
    }
}
