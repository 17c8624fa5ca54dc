package io.prunestream.job.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Optimizer;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.PruningMethod;
import io.prunestream.core.schedule.ScheduleParams;
import io.prunestream.monitoring.EndpointSettings;
import io.prunestream.monitoring.PortConflict;
import java.time.Duration;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;

/**
 * The job's options. Every {@code prune.*} option can be set per run as {@code
 * prune.run.<run-id>.*} (e.g. {@code prune.run.r90.ratios: 0.9}); the plain key is the default for
 * every run.
 */
public final class PruneOptions {
    private PruneOptions() {}

    // ---- runs -----------------------------------------------------------------------------

    public static final ConfigOption<List<String>> RUNS =
            key("prune.runs")
                    .stringType()
                    .asList()
                    .defaultValues("greg1")
                    .withDescription(
                            "Run ids, separated by ';'. Every run trains on every sample of the"
                                    + " topic, with its own settings (prune.run.<id>.*).");

    public static final ConfigOption<ModelSpec.Kind> MODEL =
            key("prune.model")
                    .enumType(ModelSpec.Kind.class)
                    .defaultValue(ModelSpec.Kind.SMALL_CNN)
                    .withDescription("Network: small-cnn, lenet, vgg, resnet.");

    public static final ConfigOption<Integer> MODEL_DEPTH =
            key("prune.model.depth")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "VGG depth (11/13/16/19) or ResNet depth (6n+2); 0 = default.");

    public static final ConfigOption<Double> MODEL_WIDTH =
            key("prune.model.width")
                    .doubleType()
                    .defaultValue(1.0)
                    .withDescription("Channel multiplier of the network.");

    public static final ConfigOption<Long> SEED =
            key("prune.seed").longType().defaultValue(1L).withDescription("Weight-init seed.");

    public static final ConfigOption<PruningMethod> METHOD =
            key("prune.method")
                    .enumType(PruningMethod.class)
                    .defaultValue(PruningMethod.GREG1)
                    .withDescription("Pruning method: greg1, greg2, oneshot-l1, none.");

    public static final ConfigOption<Granularity> GRANULARITY =
            key("prune.granularity")
                    .enumType(Granularity.class)
                    .defaultValue(Granularity.FILTER)
                    .withDescription(
                            "filter (structured: filters are removed) or weight (unstructured:"
                                    + " masks).");

    public static final ConfigOption<String> RATIOS =
            key("prune.ratios")
                    .stringType()
                    .defaultValue("0.5")
                    .withDescription(
                            "Pruning ratio per layer: '0.5', or rules like"
                                    + " 'conv2=0.3,default=0.7' (glob patterns on layer names; the"
                                    + " layer reading the input is kept unless named).");

    public static final ConfigOption<Long> WARMUP =
            key("prune.warmup")
                    .longType()
                    .defaultValue(ScheduleParams.DEFAULTS.warmup())
                    .withDescription(
                            "Plain training iterations before the penalty starts (one-shot L1:"
                                    + " before the prune).");

    public static final ConfigOption<Integer> PENALTY_INTERVAL =
            key("prune.penalty.interval")
                    .intType()
                    .defaultValue(ScheduleParams.DEFAULTS.interval())
                    .withDescription("K_u: iterations between penalty updates (authors: 5).");

    public static final ConfigOption<Double> PENALTY_DELTA =
            key("prune.penalty.delta")
                    .doubleType()
                    .defaultValue(ScheduleParams.DEFAULTS.delta())
                    .withDescription("Delta-lambda: growth per update (authors: 1e-4).");

    public static final ConfigOption<Double> PENALTY_CEILING =
            key("prune.penalty.ceiling")
                    .doubleType()
                    .defaultValue(ScheduleParams.DEFAULTS.ceiling())
                    .withDescription("Tau: growth stops once lambda exceeds it.");

    public static final ConfigOption<Long> PENALTY_STABILIZE =
            key("prune.penalty.stabilize")
                    .longType()
                    .defaultValue(ScheduleParams.DEFAULTS.stabilize())
                    .withDescription(
                            "K_s: iterations with frozen penalty before pruning (authors: 40000).");

    public static final ConfigOption<Double> PENALTY_PICK_DELTA =
            key("prune.penalty.pick-delta")
                    .doubleType()
                    .defaultValue(ScheduleParams.DEFAULTS.pickDelta())
                    .withDescription(
                            "GReg-2: uniform growth per update before the pick (authors: 1e-5).");

    public static final ConfigOption<Double> PENALTY_PICK_CEILING =
            key("prune.penalty.pick-ceiling")
                    .doubleType()
                    .defaultValue(ScheduleParams.DEFAULTS.pickCeiling())
                    .withDescription("GReg-2: tau', the pick happens once lambda reaches it.");

    public static final ConfigOption<Double> PENALTY_RECOVER =
            key("prune.penalty.recover")
                    .doubleType()
                    .defaultValue(ScheduleParams.DEFAULTS.recover())
                    .withDescription("GReg-2: lambda of kept groups after the pick.");

    public static final ConfigOption<Double> PENALTY_SCALE =
            key("prune.penalty.scale")
                    .doubleType()
                    .defaultValue(ScheduleParams.DEFAULTS.penalty())
                    .withDescription(
                            "Multiplies every lambda of the schedule: 1 for the method, 0 for a"
                                    + " control run that keeps its timeline without any penalty.");

    public static final ConfigOption<ImportanceCriterion> IMPORTANCE =
            key("prune.importance")
                    .enumType(ImportanceCriterion.class)
                    .defaultValue(ImportanceCriterion.L1)
                    .withDescription(
                            "How the pruned groups are chosen: l1 (L1 norm per filter, |w| per"
                                    + " weight: the paper's) or l2 (L2 norm per filter).");

    public static final ConfigOption<NormPenalty> PENALTY_BATCHNORM =
            key("prune.penalty.batchnorm")
                    .enumType(NormPenalty.class)
                    .defaultValue(NormPenalty.PRUNED)
                    .withDescription(
                            "Which BatchNorm gamma/beta also carry the penalty (DL4J never decays"
                                    + " them; see README): off (conv weights only), pruned (the"
                                    + " pruned filters' gamma/beta get the pruned lambda) or all"
                                    + " (every filter's gamma/beta get its filter's lambda, kept"
                                    + " ones included).");

    public static final ConfigOption<Optimizer> OPTIMIZER =
            key("prune.optimizer")
                    .enumType(Optimizer.class)
                    .defaultValue(Optimizer.SGD)
                    .withDescription("sgd (Nesterov momentum) or adam.");

    public static final ConfigOption<Double> MOMENTUM =
            key("prune.momentum").doubleType().defaultValue(0.9).withDescription("SGD momentum.");

    public static final ConfigOption<Double> WEIGHT_DECAY =
            key("prune.weight-decay")
                    .doubleType()
                    .defaultValue(5e-4)
                    .withDescription("L2 weight decay on weights and biases.");

    public static final ConfigOption<String> LR_TRAIN =
            key("prune.lr.train")
                    .stringType()
                    .defaultValue("0:0.05")
                    .withDescription("Learning rate during TRAIN, 'iteration:lr,...'.");

    public static final ConfigOption<Double> LR_PRUNE =
            key("prune.lr.prune")
                    .doubleType()
                    .defaultValue(0.01)
                    .withDescription("Constant learning rate while regularising.");

    public static final ConfigOption<String> LR_FINETUNE =
            key("prune.lr.finetune")
                    .stringType()
                    .defaultValue("0:0.01,1000:0.001")
                    .withDescription("Learning rate after pruning, by iterations since PRUNE.");

    public static final ConfigOption<Integer> BATCH_SIZE =
            key("prune.batch-size").intType().defaultValue(64).withDescription("Samples per step.");

    public static final ConfigOption<Long> EVAL_INTERVAL =
            key("prune.eval.interval")
                    .longType()
                    .defaultValue(200L)
                    .withDescription("Evaluate on the held-out set every N iterations; 0 = never.");

    public static final ConfigOption<Long> PUBLISH_INTERVAL =
            key("prune.publish.interval")
                    .longType()
                    .defaultValue(500L)
                    .withDescription(
                            "After pruning, publish a model version every N iterations (and at"
                                    + " PRUNE and at the end of a bounded stream).");

    public static final ConfigOption<Long> STATS_INTERVAL =
            key("prune.stats.interval")
                    .longType()
                    .defaultValue(20L)
                    .withDescription("Compute per-layer statistics every N iterations.");

    /** Options settable per run. */
    public static final List<ConfigOption<?>> PER_RUN =
            List.of(
                    MODEL,
                    MODEL_DEPTH,
                    MODEL_WIDTH,
                    SEED,
                    METHOD,
                    GRANULARITY,
                    RATIOS,
                    IMPORTANCE,
                    WARMUP,
                    PENALTY_INTERVAL,
                    PENALTY_DELTA,
                    PENALTY_CEILING,
                    PENALTY_STABILIZE,
                    PENALTY_PICK_DELTA,
                    PENALTY_PICK_CEILING,
                    PENALTY_RECOVER,
                    PENALTY_SCALE,
                    PENALTY_BATCHNORM,
                    OPTIMIZER,
                    MOMENTUM,
                    WEIGHT_DECAY,
                    LR_TRAIN,
                    LR_PRUNE,
                    LR_FINETUNE,
                    BATCH_SIZE,
                    EVAL_INTERVAL,
                    PUBLISH_INTERVAL,
                    STATS_INTERVAL);

    // ---- data, Kafka, output --------------------------------------------------------------

    public static final ConfigOption<String> BOOTSTRAP_SERVERS =
            key("kafka.bootstrap-servers")
                    .stringType()
                    .noDefaultValue()
                    .withDescription("Kafka brokers, host:port[,host:port].");

    public static final ConfigOption<String> TOPIC =
            key("kafka.topic")
                    .stringType()
                    .defaultValue("prunestream-samples")
                    .withDescription("Topic with training records.");

    public static final ConfigOption<String> GROUP_ID =
            key("kafka.group-id")
                    .stringType()
                    .defaultValue("prunestream")
                    .withDescription("Consumer group id.");

    public static final ConfigOption<String> STARTING_OFFSETS =
            key("kafka.starting-offsets")
                    .stringType()
                    .defaultValue("earliest")
                    .withDescription("earliest, latest, or committed (falls back to earliest).");

    public static final ConfigOption<Boolean> BOUNDED =
            key("kafka.bounded")
                    .booleanType()
                    .defaultValue(false)
                    .withDescription(
                            "Stop at the offsets that are latest when the job starts (tests,"
                                    + " demos); the job then publishes final versions and ends.");

    public static final ConfigOption<String> DEAD_LETTER_TOPIC =
            key("kafka.dead-letter-topic")
                    .stringType()
                    .defaultValue("prunestream-dead-letter")
                    .withDescription(
                            "Topic for rejected records (original bytes + reason headers).");

    public static final ConfigOption<String> MODEL_TOPIC =
            key("kafka.model-topic")
                    .stringType()
                    .defaultValue("")
                    .withDescription("Topic for model-version announcements (JSON); empty = off.");

    public static final ConfigOption<String> SAMPLE_SHAPE =
            key("data.sample-shape")
                    .stringType()
                    .defaultValue("1,28,28")
                    .withDescription("Shape of one sample: channels,height,width.");

    public static final ConfigOption<Integer> CLASSES =
            key("data.classes").intType().defaultValue(10).withDescription("Number of classes.");

    public static final ConfigOption<String> EVAL_DATASET =
            key("eval.dataset")
                    .stringType()
                    .defaultValue("fashion-mnist")
                    .withDescription("Held-out set: fashion-mnist or mnist (test split), or none.");

    public static final ConfigOption<String> EVAL_TOPIC =
            key("eval.topic")
                    .stringType()
                    .defaultValue("")
                    .withDescription(
                            "Topic holding the held-out set in the record format (read once at"
                                    + " start, up to eval.samples); overrides eval.dataset.");

    public static final ConfigOption<Integer> EVAL_SAMPLES =
            key("eval.samples")
                    .intType()
                    .defaultValue(2000)
                    .withDescription("Held-out samples per evaluation.");

    public static final ConfigOption<String> OUTPUT_DIR =
            key("output.dir")
                    .stringType()
                    .defaultValue("runs/output")
                    .withDescription("Folder for model versions and reports.");

    public static final ConfigOption<Integer> METRICS_PORT =
            key(EndpointSettings.PORT_KEY)
                    .intType()
                    .defaultValue(EndpointSettings.DEFAULT_PORT)
                    .withDescription(
                            "Port of the Prometheus endpoint for training metrics (one per JVM);"
                                    + " 0 = any free port.");

    public static final ConfigOption<String> METRICS_BIND =
            key(EndpointSettings.BIND_ADDRESS_KEY)
                    .stringType()
                    .defaultValue(EndpointSettings.DEFAULT_BIND_ADDRESS)
                    .withDescription("Bind address of the metrics endpoint.");

    public static final ConfigOption<PortConflict> METRICS_PORT_CONFLICT =
            key(EndpointSettings.PORT_CONFLICT_KEY)
                    .enumType(PortConflict.class)
                    .defaultValue(PortConflict.FAIL)
                    .withDescription(
                            "If the port is taken: fail (with a message naming the port), or"
                                    + " fallback to a free port (the log says which).");

    public static final ConfigOption<Duration> CHECKPOINT_INTERVAL =
            key("prune.checkpoint.interval")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "Checkpoint interval (checkpointing is on by default); 0 = off.");

    /** Options that are not per run. */
    public static final List<ConfigOption<?>> GLOBAL =
            List.of(
                    RUNS,
                    BOOTSTRAP_SERVERS,
                    TOPIC,
                    GROUP_ID,
                    STARTING_OFFSETS,
                    BOUNDED,
                    DEAD_LETTER_TOPIC,
                    MODEL_TOPIC,
                    SAMPLE_SHAPE,
                    CLASSES,
                    EVAL_DATASET,
                    EVAL_TOPIC,
                    EVAL_SAMPLES,
                    OUTPUT_DIR,
                    METRICS_PORT,
                    METRICS_BIND,
                    METRICS_PORT_CONFLICT,
                    CHECKPOINT_INTERVAL);
}
