package io.prunestream.job.config;

import static io.prunestream.job.config.PruneOptions.*;

import io.prunestream.core.data.Datasets;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.PruningMethod;
import io.prunestream.core.schedule.ScheduleConfig;
import io.prunestream.core.train.LrSchedule;
import io.prunestream.core.train.RunSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.yaml.snakeyaml.Yaml;

/**
 * Reads the job's configuration: a YAML file (nested or dotted keys) plus command-line overrides
 * ({@code --key value}, {@code -Dkey=value}, and {@code --bootstrap-servers}, {@code --config}).
 * Every error names the key, the value and the fix.
 */
public final class JobConfig {
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Map<String, String> SHORTCUTS =
            Map.of(
                    "bootstrap-servers", BOOTSTRAP_SERVERS.key(),
                    "topic", TOPIC.key(),
                    "runs", RUNS.key(),
                    "output", OUTPUT_DIR.key());

    private JobConfig() {}

    /** Parses command-line arguments (and the --config file they name) into a configuration. */
    public static Configuration fromArgs(String[] args) {
        Map<String, String> cli = new LinkedHashMap<>();
        Path file = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            String key;
            String value;
            if (a.startsWith("-D") && a.contains("=")) {
                key = a.substring(2, a.indexOf('='));
                value = a.substring(a.indexOf('=') + 1);
            } else if (a.startsWith("--")) {
                String k = a.substring(2);
                if (k.contains("=")) {
                    key = k.substring(0, k.indexOf('='));
                    value = k.substring(k.indexOf('=') + 1);
                } else {
                    if (i + 1 >= args.length) {
                        throw new IllegalArgumentException("option --" + k + " needs a value");
                    }
                    key = k;
                    value = args[++i];
                }
            } else {
                throw new IllegalArgumentException(
                        "unexpected argument '" + a + "': use --key value or -Dkey=value");
            }
            if (key.equals("config")) {
                file = Path.of(value);
            } else {
                cli.put(SHORTCUTS.getOrDefault(key, key), value);
            }
        }
        Map<String, String> all = new LinkedHashMap<>();
        if (file != null) {
            all.putAll(readYaml(file));
        }
        all.putAll(cli);
        Configuration conf = Configuration.fromMap(all);
        validate(conf, all.keySet());
        return conf;
    }

    /** Flattens a YAML file into dotted keys. */
    public static Map<String, String> readYaml(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            Object root = new Yaml().load(in);
            Map<String, String> out = new LinkedHashMap<>();
            if (root == null) {
                return out;
            }
            if (!(root instanceof Map<?, ?> m)) {
                throw new IllegalArgumentException(
                        file + ": the config must be a YAML mapping of keys to values");
            }
            flatten("", m, out);
            return out;
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }

    private static void flatten(String prefix, Map<?, ?> m, Map<String, String> out) {
        for (Map.Entry<?, ?> e : m.entrySet()) {
            String k = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
            Object v = e.getValue();
            if (v instanceof Map<?, ?> inner) {
                flatten(k, inner, out);
            } else if (v instanceof List<?> list) {
                out.put(k, String.join(";", list.stream().map(String::valueOf).toList()));
            } else {
                out.put(k, v == null ? "" : String.valueOf(v));
            }
        }
    }

    /** Rejects unknown prunestream keys (typos) and values that do not parse. */
    static void validate(Configuration conf, Set<String> keys) {
        Set<String> known = new HashSet<>();
        GLOBAL.forEach(o -> known.add(o.key()));
        PER_RUN.forEach(o -> known.add(o.key()));
        List<String> runs = conf.get(RUNS);
        for (String key : keys) {
            if (!ours(key)) {
                continue; // Flink's own options pass through
            }
            if (key.startsWith("prune.run.")) {
                String rest = key.substring("prune.run.".length());
                String id =
                        runs.stream()
                                .filter(r -> rest.startsWith(r + "."))
                                .findFirst()
                                .orElse(null);
                if (id == null) {
                    throw new IllegalArgumentException(
                            "config key '"
                                    + key
                                    + "' names a run that is not in prune.runs "
                                    + runs
                                    + ": add the run to prune.runs or fix the id");
                }
                String base = "prune." + rest.substring(id.length() + 1);
                if (PER_RUN.stream().noneMatch(o -> o.key().equals(base))) {
                    throw new IllegalArgumentException(
                            "config key '"
                                    + key
                                    + "': '"
                                    + base
                                    + "' is not a per-run option; per-run options: "
                                    + PER_RUN.stream().map(ConfigOption::key).toList());
                }
            } else if (!known.contains(key) && !key.startsWith(KAFKA_PROPERTIES_PREFIX)) {
                throw new IllegalArgumentException(
                        "unknown config key '"
                                + key
                                + "'"
                                + suggest(key, known)
                                + "; see the configuration table in the README");
            }
        }
        for (String r : runs) {
            if (!RUN_ID.matcher(r).matches()) {
                throw new IllegalArgumentException(
                        "prune.runs: run id '" + r + "' must be letters, digits, '_', '-' or '.'");
            }
        }
        runs(conf);
        sampleShape(conf);
    }

    private static boolean ours(String key) {
        return key.startsWith("prune.")
                || key.startsWith("kafka.")
                || key.startsWith("data.")
                || key.startsWith("eval.")
                || key.startsWith("output.");
    }

    private static String suggest(String key, Set<String> known) {
        String best = null;
        int bestD = Integer.MAX_VALUE;
        for (String k : known) {
            int d = distance(key, k);
            if (d < bestD) {
                bestD = d;
                best = k;
            }
        }
        return best != null && bestD <= 3 ? " (did you mean '" + best + "'?)" : "";
    }

    private static int distance(String a, String b) {
        int[] prev = new int[b.length() + 1];
        for (int j = 0; j <= b.length(); j++) {
            prev[j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            int[] cur = new int[b.length() + 1];
            cur[0] = i;
            for (int j = 1; j <= b.length(); j++) {
                int c = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                cur[j] = Math.min(Math.min(cur[j - 1] + 1, prev[j] + 1), prev[j - 1] + c);
            }
            prev = cur;
        }
        return prev[b.length()];
    }

    /** The value of a per-run option: {@code prune.run.<id>.x} if set, else {@code prune.x}. */
    public static <T> T perRun(Configuration conf, String runId, ConfigOption<T> option) {
        String runKey = runKey(runId, option);
        String raw = conf.toMap().get(runKey);
        try {
            if (raw != null) {
                Configuration one = new Configuration();
                one.setString(option.key(), raw);
                return one.get(option);
            }
            return conf.get(option);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "config key '"
                            + (raw != null ? runKey : option.key())
                            + "' has a bad value '"
                            + (raw != null ? raw : conf.toMap().get(option.key()))
                            + "': "
                            + new org.apache.flink.configuration.description.HtmlFormatter()
                                    .format(option.description()),
                    e);
        }
    }

    public static InputShape sampleShape(Configuration conf) {
        String s = conf.get(SAMPLE_SHAPE);
        try {
            String[] p = s.split(",");
            if (p.length != 3) {
                throw new NumberFormatException();
            }
            return new InputShape(
                    Integer.parseInt(p[0].trim()),
                    Integer.parseInt(p[1].trim()),
                    Integer.parseInt(p[2].trim()));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "config key '"
                            + SAMPLE_SHAPE.key()
                            + "' has a bad value '"
                            + s
                            + "': write channels,height,width, e.g. 1,28,28");
        }
    }

    /** Every configured run, fully resolved. */
    public static List<RunSettings> runs(Configuration conf) {
        InputShape shape = sampleShape(conf);
        int classes = conf.get(CLASSES);
        List<RunSettings> out = new ArrayList<>();
        for (String id : conf.get(RUNS)) {
            out.add(run(conf, id, shape, classes));
        }
        if (out.isEmpty()) {
            throw new IllegalArgumentException("prune.runs is empty: name at least one run");
        }
        return out;
    }

    private static RunSettings run(Configuration conf, String id, InputShape shape, int classes) {
        Function<ConfigOption<?>, Object> get = o -> perRun(conf, id, o);
        try {
            ModelSpec.Kind kind = ModelSpec.Kind.parse((String) get.apply(MODEL));
            int depth = (Integer) get.apply(MODEL_DEPTH);
            if (depth == 0) {
                depth = kind == ModelSpec.Kind.VGG ? 11 : kind == ModelSpec.Kind.RESNET ? 20 : 0;
            }
            ModelSpec model =
                    new ModelSpec(
                            kind,
                            shape,
                            classes,
                            depth,
                            (Double) get.apply(MODEL_WIDTH),
                            (Long) get.apply(SEED));
            String opt = (String) get.apply(OPTIMIZER);
            double lrPrune = (Double) get.apply(LR_PRUNE);
            OptimizerSpec optimizer =
                    new OptimizerSpec(
                            opt,
                            lrPrune,
                            opt.equals("adam") ? 0 : (Double) get.apply(MOMENTUM),
                            (Double) get.apply(WEIGHT_DECAY));
            ScheduleConfig schedule =
                    ScheduleConfig.builder(PruningMethod.parse((String) get.apply(METHOD)))
                            .warmupIterations((Long) get.apply(WARMUP))
                            .updateInterval((Integer) get.apply(PENALTY_INTERVAL))
                            .deltaLambda((Double) get.apply(PENALTY_DELTA))
                            .lambdaCeiling((Double) get.apply(PENALTY_CEILING))
                            .stabilizeIterations((Long) get.apply(PENALTY_STABILIZE))
                            .deltaLambdaPick((Double) get.apply(PENALTY_PICK_DELTA))
                            .lambdaCeilingPick((Double) get.apply(PENALTY_PICK_CEILING))
                            .lambdaRecover((Double) get.apply(PENALTY_RECOVER))
                            .build();
            RunSpec spec =
                    new RunSpec(
                            id,
                            model,
                            optimizer,
                            schedule,
                            Granularity.parse((String) get.apply(GRANULARITY)),
                            LayerRatios.parse((String) get.apply(RATIOS)),
                            LrSchedule.parse((String) get.apply(LR_TRAIN)),
                            lrPrune,
                            LrSchedule.parse((String) get.apply(LR_FINETUNE)),
                            (Integer) get.apply(BATCH_SIZE),
                            (Boolean) get.apply(PENALTY_BATCHNORM));
            return new RunSettings(
                    spec,
                    (Long) get.apply(EVAL_INTERVAL),
                    (Long) get.apply(PUBLISH_INTERVAL),
                    Math.max(1, (Long) get.apply(STATS_INTERVAL)));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith("config key")) {
                throw e;
            }
            throw new IllegalArgumentException("run '" + id + "': " + e.getMessage(), e);
        }
    }

    /** The held-out data set, or null for none. */
    public static Datasets evalDataset(Configuration conf) {
        String s = conf.get(EVAL_DATASET);
        return s.equalsIgnoreCase("none") || s.isBlank() ? null : Datasets.parse(s);
    }

    /** The key that sets {@code option} for one run. */
    static String runKey(String runId, ConfigOption<?> option) {
        return "prune.run." + runId + "." + option.key().substring("prune.".length());
    }

    /** Unused-option guard for tests: all keys our options define. */
    public static List<ConfigOption<?>> allOptions() {
        List<ConfigOption<?>> all = new ArrayList<>(GLOBAL);
        all.addAll(PER_RUN);
        return all;
    }
}
