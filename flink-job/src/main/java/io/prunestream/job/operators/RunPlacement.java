package io.prunestream.job.operators;

import java.io.Serializable;
import java.util.ArrayList;
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
 * <p>The plan, deterministic in the run ids and the maximum parallelism M: runs are taken in id
 * order, each keeps the first of {@code id, id@1, id@2, ...} whose key group is separated from the
 * ones already chosen at every parallelism from N to M — so N runs land on N subtasks at any
 * parallelism >= N, and the keys stay the same when the job is rescaled. Where no such set exists
 * (many runs for M), the plan is made for the job's own parallelism P instead: run i goes to
 * subtask i mod P (rescaling then moves runs to new keys: restore such a job with the same
 * parallelism).
 */
public final class RunPlacement implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final int MAX_SUFFIX = 100_000;

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

    /** The plan for these runs, at the job's parallelism and maximum parallelism. */
    public static RunPlacement plan(List<String> runIds, int parallelism, int maxParallelism) {
        List<String> ids = new ArrayList<>(runIds);
        ids.sort(null);
        int n = ids.size();
        Map<String, String> keys = new LinkedHashMap<>();
        TreeMap<Integer, String> groups = new TreeMap<>();
        boolean ok = n <= maxParallelism;
        for (String id : ids) {
            if (!ok) {
                break;
            }
            ok = false;
            for (int s = 0; s <= MAX_SUFFIX; s++) {
                String key = s == 0 ? id : id + "@" + s;
                int g = KeyGroupRangeAssignment.assignToKeyGroup(key, maxParallelism);
                if (separatedFromAll(g, groups, n, maxParallelism)) {
                    keys.put(id, key);
                    groups.put(g, key);
                    ok = true;
                    break;
                }
            }
        }
        if (ok) {
            return new RunPlacement(keys, true);
        }
        keys.clear();
        for (int i = 0; i < n; i++) {
            String id = ids.get(i);
            int target = i % parallelism;
            for (int s = 0; ; s++) {
                String key = s == 0 ? id : id + "@" + s;
                if (KeyGroupRangeAssignment.assignKeyToParallelOperator(
                                key, maxParallelism, parallelism)
                        == target) {
                    keys.put(id, key);
                    break;
                }
            }
        }
        return new RunPlacement(keys, false);
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

    /** Whether the keys hold at any parallelism >= the number of runs (else only at this one). */
    public boolean stableAcrossRescaling() {
        return stableAcrossRescaling;
    }

    /** Routing key per run id. */
    public Map<String, String> keys() {
        return keyOfRun;
    }

    /** The subtask that trains each run at a parallelism (Flink's own key-group assignment). */
    public Map<String, Integer> subtasks(int parallelism, int maxParallelism) {
        Map<String, Integer> out = new LinkedHashMap<>();
        keyOfRun.forEach(
                (run, key) ->
                        out.put(
                                run,
                                KeyGroupRangeAssignment.assignKeyToParallelOperator(
                                        key, maxParallelism, parallelism)));
        return out;
    }
}
