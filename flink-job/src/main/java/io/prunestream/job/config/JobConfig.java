package io.prunestream.job.config;

import static io.prunestream.job.config.PruneOptions.*;

import io.prunestream.connectors.record.ValueRange;
import io.prunestream.core.config.UsageException;
import io.prunestream.core.data.CsvFile;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.LabelledVectors;
import io.prunestream.core.data.Normalization;
import io.prunestream.core.data.SampleSource;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSource;
import io.prunestream.core.nn.Optimizer;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.run.CycleSettings;
import io.prunestream.core.run.Evaluation;
import io.prunestream.core.run.GuardSettings;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.schedule.ScheduleParams;
import io.prunestream.core.train.LrSchedule;
import io.prunestream.core.train.RunSpec;
import io.prunestream.monitoring.EndpointSettings;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.ExternalizedCheckpointRetention;
import org.apache.flink.configuration.ReadableConfig;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Reads the job's configuration: a YAML file (nested or dotted keys) plus command-line overrides
 * ({@code --key value}, {@code -Dkey=value}, and {@code --bootstrap-servers}, {@code --config}).
 * Every error names the key, the value and the fix.
 *
 * <p>Long because it is the one place configuration is read: YAML and command line, unknown-key and
 * per-run checks with suggestions, typed settings, and the defaults of Flink's own keys.
 */
public final class JobConfig {
    private static final Pattern RUN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
    private static final Map<String, String> SHORTCUTS =
            Map.of(
                    "bootstrap-servers", BOOTSTRAP_SERVERS.key(),
                    "topic", TOPIC.key(),
                    "runs", RUNS.key(),
                    "output", OUTPUT_DIR.key());

    /**
     * Failed checkpoints in a row the job rides out before it fails over (Flink's default is 0):
     * one slow or failed checkpoint, e.g. a VGG network's on a busy disk, then costs nothing but
     * its interval instead of a restart from the previous checkpoint and one of the restart
     * budget's failures; a fourth in a row still fails over. README, "Failures and recovery".
     */
    public static final int TOLERABLE_FAILED_CHECKPOINTS = 3;

    /**
     * How long a checkpoint may take before it counts as failed (Flink's default is 10 min). The
     * Kafka transactions of the dead-letter and model topics stay open from one completed
     * checkpoint to the next, so while the job runs they live at most the interval plus {@code
     * TOLERABLE_FAILED_CHECKPOINTS + 1} timeouts: 10 s + 4 x 3 min, inside the 15 min after which
     * the broker aborts them. The slowest checkpoint measured (VGG-16, 2 cores) took 11 s.
     */
    public static final Duration CHECKPOINT_TIMEOUT = Duration.ofMinutes(3);

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

    /**
     * The configuration with the job's defaults for Flink's own settings, where the user set none:
     * heap state; checkpoints every {@code prune.checkpoint.interval} into {@code
     * <output.dir>/checkpoints}, the newest {@code prune.checkpoint.retained} kept and retained
     * when the job is cancelled or killed; savepoints into {@code <output.dir>/savepoints}; {@link
     * #TOLERABLE_FAILED_CHECKPOINTS} failed checkpoints in a row tolerated, each taking at most
     * {@link #CHECKPOINT_TIMEOUT}; at most {@code prune.restart.max-failures} restarts within
     * {@code prune.restart.interval}. For a launcher that makes its own cluster configuration.
     */
    public static Configuration withFlinkDefaults(Configuration conf) {
        return withFlinkDefaults(conf, new Configuration());
    }

    /**
     * {@link #withFlinkDefaults(Configuration)} for a job that runs on a cluster: each default is
     * set only where neither {@code conf} nor the {@code cluster}'s configuration (its config.yaml,
     * a FlinkDeployment's flinkConfiguration: what the job's execution environment starts with) has
     * a value. Flink lets a job's own settings override the cluster's, so a default set regardless
     * would silently replace the cluster's checkpoint storage or restart strategy.
     */
    public static Configuration withFlinkDefaults(Configuration conf, ReadableConfig cluster) {
        Configuration c = new Configuration(conf);
        Path out = Path.of(conf.get(OUTPUT_DIR)).toAbsolutePath();
        setIfAbsent(c, cluster, StateBackendOptions.STATE_BACKEND, "hashmap");
        Duration interval = conf.get(CHECKPOINT_INTERVAL);
        if (!interval.isZero()) {
            setIfAbsent(c, cluster, CheckpointingOptions.CHECKPOINTING_INTERVAL, interval);
        }
        setIfAbsent(
                c,
                cluster,
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                out.resolve("checkpoints").toUri().toString());
        setIfAbsent(
                c,
                cluster,
                CheckpointingOptions.SAVEPOINT_DIRECTORY,
                out.resolve("savepoints").toUri().toString());
        setIfAbsent(
                c,
                cluster,
                CheckpointingOptions.EXTERNALIZED_CHECKPOINT_RETENTION,
                ExternalizedCheckpointRetention.RETAIN_ON_CANCELLATION);
        setIfAbsent(
                c,
                cluster,
                CheckpointingOptions.MAX_RETAINED_CHECKPOINTS,
                conf.get(CHECKPOINTS_RETAINED));
        setIfAbsent(
                c,
                cluster,
                CheckpointingOptions.TOLERABLE_FAILURE_NUMBER,
                TOLERABLE_FAILED_CHECKPOINTS);
        setIfAbsent(c, cluster, CheckpointingOptions.CHECKPOINTING_TIMEOUT, CHECKPOINT_TIMEOUT);
        if (absent(c, cluster, RestartStrategyOptions.RESTART_STRATEGY)) {
            c.set(RestartStrategyOptions.RESTART_STRATEGY, "failure-rate");
            c.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_MAX_FAILURES_PER_INTERVAL,
                    conf.get(RESTART_MAX_FAILURES));
            c.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_FAILURE_RATE_INTERVAL,
                    conf.get(RESTART_INTERVAL));
            c.set(
                    RestartStrategyOptions.RESTART_STRATEGY_FAILURE_RATE_DELAY,
                    conf.get(RESTART_DELAY));
        }
        return c;
    }

    private static <T> void setIfAbsent(
            Configuration c, ReadableConfig cluster, ConfigOption<T> option, T value) {
        if (absent(c, cluster, option)) {
            c.set(option, value);
        }
    }

    private static boolean absent(Configuration c, ReadableConfig cluster, ConfigOption<?> o) {
        return !c.contains(o) && cluster.getOptional(o).isEmpty();
    }

    /** Flattens a YAML file into dotted keys. */
    public static Map<String, String> readYaml(Path file) {
        try (InputStream in = Files.newInputStream(file)) {
            return flatten(new Yaml().load(in), file.toString());
        } catch (IOException e) {
            throw new IllegalArgumentException(
                    "cannot read config file " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * A configuration written as the config file is, e.g. {@code prune.warmup: 4} a line; for
     * programs and tests that build one in code ({@link io.prunestream.job.PruneJob#build} checks
     * its keys).
     */
    public static Configuration fromYaml(String yaml) {
        return Configuration.fromMap(flatten(new Yaml().load(yaml), "the YAML text"));
    }

    private static Map<String, String> flatten(Object root, String where) {
        Map<String, String> out = new LinkedHashMap<>();
        if (root == null) {
            return out;
        }
        if (!(root instanceof Map<?, ?> m)) {
            throw new IllegalArgumentException(
                    where + ": the config must be a YAML mapping of keys to values");
        }
        flatten("", m, out);
        return out;
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

    /**
     * The settings of {@code conf}, after rejecting unknown prunestream keys (typos) in it: what
     * the job runs on, however its configuration was made (command line, file or code).
     */
    public static JobSettings checkedSettings(Configuration conf) {
        return validate(conf, conf.keySet());
    }

    /** Rejects unknown prunestream keys (typos) and values that do not parse. */
    static JobSettings validate(Configuration conf, Set<String> keys) {
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
        return settings(conf);
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

    /** {@code data.sample-shape} as written: channels,height,width, or a number of features. */
    public static InputShape sampleShape(Configuration conf) {
        String s = conf.get(SAMPLE_SHAPE);
        try {
            String[] p = s.split(",");
            if (p.length == 1) {
                return InputShape.vector(Integer.parseInt(p[0].trim()));
            }
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
                            + "': write channels,height,width, e.g. 1,28,28, or a number of"
                            + " features, e.g. 32");
        }
    }

    /**
     * The whole configuration, typed and validated: what the job and its operators use. Model files
     * named by {@code prune.model} are read here (a missing, unreadable or mismatched one fails
     * now, in one line), and a CSV held-out set's first {@code eval.samples} rows.
     */
    public static JobSettings settings(Configuration conf) {
        RunModels models = RunModels.resolve(conf, conf.get(RUNS));
        InputShape shape = models.shape();
        int classes = models.classes();
        Normalization normalization = parsed(NORMALIZE, Normalization::parse, conf);
        try {
            normalization.check(shape);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "config key '"
                            + NORMALIZE.key()
                            + "' is '"
                            + conf.get(NORMALIZE)
                            + "': "
                            + e.getMessage(),
                    e);
        }
        JobSettings.EvalSettings eval = evalSettings(conf);
        Evaluation evaluation = evaluation(conf, eval);
        List<RunSettings> runs = new ArrayList<>();
        for (String id : conf.get(RUNS)) {
            runs.add(run(conf, id, models.sources().get(id), evaluation, eval));
        }
        if (runs.isEmpty()) {
            throw new IllegalArgumentException("prune.runs is empty: name at least one run");
        }
        checkEval(conf, eval, shape, classes);
        return new JobSettings(
                runs,
                new JobSettings.KafkaSettings(
                        conf.get(BOOTSTRAP_SERVERS),
                        conf.get(TOPIC),
                        conf.get(GROUP_ID),
                        conf.get(STARTING_OFFSETS),
                        conf.get(BOUNDED),
                        conf.get(DEAD_LETTER_TOPIC),
                        conf.get(MODEL_TOPIC),
                        kafkaClientProperties(conf)),
                shape,
                classes,
                normalization,
                parsed(VALUE_RANGE, ValueRange::parse, conf),
                eval,
                conf.get(OUTPUT_DIR),
                conf.get(KEEP_VERSIONS),
                conf.get(VERSION_REPORTS),
                EndpointSettings.builder()
                        .port(conf.get(METRICS_PORT))
                        .bindAddress(conf.get(METRICS_BIND))
                        .portConflict(conf.get(METRICS_PORT_CONFLICT))
                        .build(),
                conf.get(CHECKPOINT_INTERVAL));
    }

    private static JobSettings.EvalSettings evalSettings(Configuration conf) {
        EvalSource source = conf.get(EVAL_SOURCE);
        double holdout = conf.get(EVAL_HOLDOUT);
        if (source == EvalSource.STREAM && !(holdout > 0 && holdout < 1)) {
            throw new IllegalArgumentException(
                    "config key '"
                            + EVAL_HOLDOUT.key()
                            + "' is "
                            + holdout
                            + ": with eval.source stream, hold out a share in (0, 1), e.g. 0.05");
        }
        return new JobSettings.EvalSettings(
                source == EvalSource.STREAM ? null : evalDataset(conf),
                source == EvalSource.STREAM ? "" : conf.get(EVAL_TOPIC),
                conf.get(EVAL_SAMPLES),
                source,
                source == EvalSource.STREAM ? holdout : 0);
    }

    /** The held-out window and prequential scores every run gets. */
    private static Evaluation evaluation(Configuration conf, JobSettings.EvalSettings eval) {
        int window = conf.get(EVAL_WINDOW);
        int every = conf.get(EVAL_PREQUENTIAL_EVERY);
        if (window < 1) {
            throw new IllegalArgumentException(
                    "config key '"
                            + EVAL_WINDOW.key()
                            + "' is "
                            + window
                            + ": a window holds at least 1 sample, e.g. 1000");
        }
        if (every < 0) {
            throw new IllegalArgumentException(
                    "config key '"
                            + EVAL_PREQUENTIAL_EVERY.key()
                            + "' is "
                            + every
                            + ": use 1 (every mini-batch), k (every k-th) or 0 (never)");
        }
        return new Evaluation(eval.fromStream() ? window : 0, every, window);
    }

    /**
     * A held-out set from a file must fit the samples: a built-in image set only images of its
     * shape, a CSV file rows of as many features as a sample has values and labels below the number
     * of classes. A held-out topic is checked record by record when read.
     */
    private static void checkEval(
            Configuration conf, JobSettings.EvalSettings eval, InputShape shape, int classes) {
        if (!eval.topic().isBlank() || eval.dataset() == null) {
            return;
        }
        String what = "config key '" + EVAL_DATASET.key() + "' is '" + eval.dataset().id() + "'";
        if (eval.dataset() instanceof Datasets d && !shape.equals(InputShape.MNIST)) {
            throw new UsageException(
                    what
                            + " ("
                            + InputShape.MNIST
                            + " images), but the samples are "
                            + shape
                            + ": set eval.dataset to csv:FILE or none, or eval.topic to a topic"
                            + " of held-out records");
        }
        if (eval.dataset() instanceof CsvFile csv) {
            LabelledVectors rows = csv.load(eval.samples());
            if (rows.features() != shape.size()) {
                throw new UsageException(
                        what
                                + ": its rows have "
                                + rows.features()
                                + " features, but a sample of "
                                + shape
                                + " has "
                                + shape.size()
                                + " values: fix data.sample-shape or eval.label-column, or give"
                                + " another file");
            }
            if (rows.classes() > classes) {
                throw new UsageException(
                        what
                                + ": it has label "
                                + (rows.classes() - 1)
                                + ", but data.classes is "
                                + classes
                                + ": fix the labels or data.classes");
            }
        }
    }

    /** Parses an option's text; an error names the key, the value and what is expected. */
    public static <T> T parsed(
            ConfigOption<String> key, Function<String, T> parse, Configuration conf) {
        String value = conf.get(key);
        try {
            return parse.apply(value);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "config key '" + key.key() + "' is '" + value + "': " + e.getMessage(), e);
        }
    }

    /** Every configured run, fully resolved. */
    public static List<RunSettings> runs(Configuration conf) {
        return settings(conf).runs();
    }

    private static RunSettings run(
            Configuration conf,
            String id,
            ModelSource model,
            Evaluation evaluation,
            JobSettings.EvalSettings eval) {
        try {
            long warmup = perRun(conf, id, WARMUP);
            if (model.imported() && !isSet(conf, id, WARMUP)) {
                warmup = 0; // a model file comes trained: pruning starts at once
            }
            Optimizer opt = perRun(conf, id, OPTIMIZER);
            double lrPrune = perRun(conf, id, LR_PRUNE);
            OptimizerSpec optimizer =
                    new OptimizerSpec(
                            opt,
                            lrPrune,
                            opt == Optimizer.ADAM ? 0 : perRun(conf, id, MOMENTUM),
                            perRun(conf, id, WEIGHT_DECAY));
            ScheduleParams params =
                    new ScheduleParams(
                            warmup,
                            perRun(conf, id, PENALTY_INTERVAL),
                            perRun(conf, id, PENALTY_DELTA),
                            perRun(conf, id, PENALTY_CEILING),
                            perRun(conf, id, PENALTY_STABILIZE),
                            perRun(conf, id, PENALTY_PICK_DELTA),
                            perRun(conf, id, PENALTY_PICK_CEILING),
                            perRun(conf, id, PENALTY_RECOVER),
                            perRun(conf, id, PENALTY_SCALE));
            RunSpec spec =
                    new RunSpec(
                            id,
                            model,
                            optimizer,
                            perRun(conf, id, METHOD).schedule(params),
                            perRun(conf, id, GRANULARITY),
                            LayerRatios.parse(perRun(conf, id, RATIOS)),
                            perRun(conf, id, IMPORTANCE),
                            LrSchedule.parse(perRun(conf, id, LR_TRAIN)),
                            lrPrune,
                            LrSchedule.parse(perRun(conf, id, LR_FINETUNE)),
                            perRun(conf, id, BATCH_SIZE),
                            perRun(conf, id, PENALTY_BATCHNORM),
                            perRun(conf, id, GROUPS));
            return new RunSettings(
                    spec,
                    perRun(conf, id, EVAL_INTERVAL),
                    perRun(conf, id, PUBLISH_INTERVAL),
                    perRun(conf, id, STATS_INTERVAL),
                    new GuardSettings(
                            perRun(conf, id, GUARD_MAX_BAD_STEPS),
                            perRun(conf, id, GUARD_RESPONSE),
                            perRun(conf, id, GUARD_LR_FACTOR),
                            perRun(conf, id, GUARD_RESUME_PAUSED)),
                    evaluation,
                    cycles(conf, id, eval));
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null
                    && (e.getMessage().startsWith("config key")
                            || e.getMessage().startsWith("run '" + id + "'"))) {
                throw e;
            }
            throw new IllegalArgumentException("run '" + id + "': " + e.getMessage(), e);
        }
    }

    /** A continuous run's cycles, null for a run that prunes once. */
    private static CycleSettings cycles(
            Configuration conf, String id, JobSettings.EvalSettings eval) {
        if (perRun(conf, id, SCHEDULE) != ScheduleKind.CONTINUOUS) {
            return null;
        }
        if (!eval.fromStream() && eval.topic().isBlank() && eval.dataset() == null) {
            throw new IllegalArgumentException(
                    "config key '"
                            + (conf.containsKey(runKey(id, SCHEDULE))
                                    ? runKey(id, SCHEDULE)
                                    : SCHEDULE.key())
                            + "' is continuous, but the job has no held-out set (eval.dataset"
                            + " none, no eval.topic) to keep its budget by: set eval.source:"
                            + " stream, eval.topic or eval.dataset");
        }
        return new CycleSettings(
                perRun(conf, id, CYCLE_STEP),
                perRun(conf, id, CYCLE_FINETUNE),
                perRun(conf, id, BUDGET_ACCURACY_DROP),
                perRun(conf, id, TARGET_FLOPS),
                perRun(conf, id, TARGET_RATIO),
                perRun(conf, id, CYCLE_ON_BREACH),
                perRun(conf, id, CYCLE_MAX_TRIES),
                perRun(conf, id, DRIFT_CONFIRM),
                perRun(conf, id, DRIFT_RECOVERY));
    }

    /** The held-out data set, or null for none. */
    public static SampleSource evalDataset(Configuration conf) {
        String s = conf.get(EVAL_DATASET);
        if (s.equalsIgnoreCase("none") || s.isBlank()) {
            return null;
        }
        SampleSource source = parsed(EVAL_DATASET, SampleSource::parse, conf);
        return source instanceof CsvFile csv
                ? csv.withLabelColumn(conf.get(EVAL_LABEL_COLUMN))
                : source;
    }

    /** Whether {@code option} is set for run {@code id}, per run or for all runs. */
    static boolean isSet(Configuration conf, String id, ConfigOption<?> option) {
        return conf.containsKey(runKey(id, option)) || conf.contains(option);
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
