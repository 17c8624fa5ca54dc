package io.prunestream.job.config;

import static org.apache.flink.configuration.ConfigOptions.key;

import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.Optimizer;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.run.CycleSettings;
import io.prunestream.core.run.GuardSettings;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.PruningMethod;
import io.prunestream.core.schedule.ScheduleParams;
import io.prunestream.monitoring.EndpointSettings;
import io.prunestream.monitoring.PortConflict;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * The job's options. Every {@code prune.*} option can be set per run as {@code
 * prune.run.<run-id>.*} (e.g. {@code prune.run.r90.ratios: 0.9}); the plain key is the default for
 * every run.
 *
 * <p>Long on purpose: one holder for every option (key, type, default, description), as Flink's
 * connectors keep theirs, so the README table is generated from one place.
 */
public final class PruneOptions {
    private PruneOptions() {}

    /** The {@code kafka.properties.*} entries of {@code conf}, prefix removed. */
    public static Map<String, String> kafkaClientProperties(Configuration conf) {
        Map<String, String> out = new TreeMap<>();
        conf.toMap()
                .forEach(
                        (k, v) -> {
                            if (k.startsWith(KAFKA_PROPERTIES_PREFIX)
                                    && k.length() > KAFKA_PROPERTIES_PREFIX.length()) {
                                out.put(k.substring(KAFKA_PROPERTIES_PREFIX.length()), v);
                            }
                        });
        return out;
    }

    // ---- runs -----------------------------------------------------------------------------

    public static final ConfigOption<List<String>> RUNS =
            key("prune.runs")
                    .stringType()
                    .asList()
                    .defaultValues("greg1")
                    .withDescription(
                            "Run ids, separated by ';'. Every run trains on every sample of the"
                                    + " topic, with its own settings (prune.run.<id>.*).");

    public static final ConfigOption<String> MODEL =
            key("prune.model")
                    .stringType()
                    .defaultValue("small-cnn")
                    .withDescription(
                            "Network: small-cnn, lenet, vgg, resnet (built in, random weights), or"
                                    + " the path (or file: URI) of a trained model file: a DL4J"
                                    + " zip, a Keras 2 HDF5 file or an ONNX file, told apart by"
                                    + " content. The file is read once when the run starts (a"
                                    + " restore takes the network from state) and evaluated on"
                                    + " the held-out set before the first step: that is the run's"
                                    + " base accuracy. Its input shape and classes, where it"
                                    + " states them, must match data.sample-shape and"
                                    + " data.classes, or are taken from it where those are"
                                    + " unset.");

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
                                    + " layer reading the input is kept unless named, and so are"
                                    + " the dense layers of a network with convolutions; a group"
                                    + " of layers pruned together takes the first rule naming any"
                                    + " of them).");

    public static final ConfigOption<GroupScope> GROUPS =
            key("prune.groups")
                    .enumType(GroupScope.class)
                    .defaultValue(GroupScope.INNER)
                    .withDescription(
                            "Which groups filter pruning removes: inner (conv filters and dense"
                                    + " neurons whose channels reach no add or concat: in a ResNet"
                                    + " each block's inner conv, the paper's) or coupled (also the"
                                    + " channels an add joins - a ResNet's residual stream, cut in"
                                    + " every conv, BatchNorm and add of it - and a concat's"
                                    + " inputs; one importance, the sum of the members' norms,"
                                    + " and one lambda per channel).");

    public static final ConfigOption<Long> WARMUP =
            key("prune.warmup")
                    .longType()
                    .defaultValue(ScheduleParams.DEFAULTS.warmup())
                    .withDescription(
                            "Plain training iterations before the penalty starts (one-shot L1:"
                                    + " before the prune). Default 600 for a built-in network, 0"
                                    + " for a model file (it comes trained).");

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

    public static final ConfigOption<Integer> GUARD_MAX_BAD_STEPS =
            key("prune.guard.max-bad-steps")
                    .intType()
                    .defaultValue(GuardSettings.DEFAULTS.maxBadSteps())
                    .withDescription(
                            "Non-finite steps in a row (each rolled back) after which the run"
                                    + " responds (prune.guard.response).");

    public static final ConfigOption<GuardSettings.Response> GUARD_RESPONSE =
            key("prune.guard.response")
                    .enumType(GuardSettings.Response.class)
                    .defaultValue(GuardSettings.DEFAULTS.response())
                    .withDescription(
                            "What a run does after prune.guard.max-bad-steps non-finite steps in"
                                    + " a row: lower-lr (multiply its learning rate by"
                                    + " prune.guard.lr-factor) or pause (skip its batches until a"
                                    + " restart with prune.guard.resume-paused).");

    public static final ConfigOption<Double> GUARD_LR_FACTOR =
            key("prune.guard.lr-factor")
                    .doubleType()
                    .defaultValue(GuardSettings.DEFAULTS.lrFactor())
                    .withDescription("Learning-rate multiplier per lower-lr response, in (0, 1).");

    public static final ConfigOption<Boolean> GUARD_RESUME_PAUSED =
            key("prune.guard.resume-paused")
                    .booleanType()
                    .defaultValue(GuardSettings.DEFAULTS.resumePaused())
                    .withDescription(
                            "A run restored in the paused state trains again (set it after"
                                    + " fixing what made its steps non-finite).");

    public static final ConfigOption<ScheduleKind> SCHEDULE =
            key("prune.schedule")
                    .enumType(ScheduleKind.class)
                    .defaultValue(ScheduleKind.ONCE)
                    .withDescription(
                            "once (the method's schedule: warm-up, penalty, prune, fine-tune) or"
                                    + " continuous (after the warm-up, GReg cycles on the already"
                                    + " pruned network while its held-out accuracy stays within"
                                    + " prune.budget.accuracy-drop of the reference, until a"
                                    + " target; greg1 or greg2, filter granularity; see README,"
                                    + " Continuous pruning).");

    public static final ConfigOption<Double> CYCLE_STEP =
            key("prune.cycle.step")
                    .doubleType()
                    .defaultValue(0.25)
                    .withDescription(
                            "Continuous: share of each prunable layer's remaining groups one cycle"
                                    + " removes (at least one), in (0, 1); never past the layer's"
                                    + " prune.ratios share of its starting width.");

    public static final ConfigOption<Long> CYCLE_FINETUNE =
            key("prune.cycle.finetune")
                    .longType()
                    .defaultValue(300L)
                    .withDescription(
                            "Continuous: fine-tuning steps from a cycle's PRUNE step on, after"
                                    + " which the cycle is judged against the budget.");

    public static final ConfigOption<Double> BUDGET_ACCURACY_DROP =
            key("prune.budget.accuracy-drop")
                    .doubleType()
                    .defaultValue(1.0)
                    .withDescription(
                            "Continuous: percentage points of held-out accuracy a version may lose"
                                    + " against the reference (the network after the warm-up,"
                                    + " or a model file's as read); a cycle that loses more is"
                                    + " rolled back. Also the drop that counts as drift.");

    public static final ConfigOption<Double> TARGET_FLOPS =
            key("prune.target.flops")
                    .doubleType()
                    .defaultValue(0.0)
                    .withDescription(
                            "Continuous: no further cycle once the FLOPs speed-up over the"
                                    + " starting network reaches this (above 1); 0 = no FLOPs"
                                    + " target.");

    public static final ConfigOption<Double> TARGET_RATIO =
            key("prune.target.ratio")
                    .doubleType()
                    .defaultValue(0.0)
                    .withDescription(
                            "Continuous: no further cycle once this share of the prunable groups"
                                    + " is removed, in (0, 1); 0 = no ratio target (cycles go"
                                    + " on until every layer is at its prune.ratios share or the"
                                    + " budget stops them).");

    public static final ConfigOption<CycleSettings.OnBreach> CYCLE_ON_BREACH =
            key("prune.cycle.on-breach")
                    .enumType(CycleSettings.OnBreach.class)
                    .defaultValue(CycleSettings.OnBreach.HALVE)
                    .withDescription(
                            "Continuous: after a cycle broke the budget and was rolled back: stop"
                                    + " (no further cycle) or halve (the next cycle takes half"
                                    + " the step; stop after prune.cycle.max-tries rolled-back"
                                    + " cycles in a row).");

    public static final ConfigOption<Integer> CYCLE_MAX_TRIES =
            key("prune.cycle.max-tries")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "Continuous, on-breach halve: rolled-back cycles in a row after which"
                                    + " no further cycle starts.");

    public static final ConfigOption<Integer> DRIFT_CONFIRM =
            key("prune.drift.confirm")
                    .intType()
                    .defaultValue(2)
                    .withDescription(
                            "Continuous: evaluations in a row whose held-out or prequential"
                                    + " accuracy is more than the budget below its level at the"
                                    + " last published version before the run declares drift (1"
                                    + " = at the first; a window of held-out samples is noisy).");

    public static final ConfigOption<Integer> DRIFT_RECOVERY =
            key("prune.drift.recovery")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "Continuous: evaluations in a row within budget of the last published"
                                    + " version's accuracy after which a drift pause ends and"
                                    + " cycles start again.");

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
                    GROUPS,
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
                    STATS_INTERVAL,
                    GUARD_MAX_BAD_STEPS,
                    GUARD_RESPONSE,
                    GUARD_LR_FACTOR,
                    GUARD_RESUME_PAUSED,
                    SCHEDULE,
                    CYCLE_STEP,
                    CYCLE_FINETUNE,
                    BUDGET_ACCURACY_DROP,
                    TARGET_FLOPS,
                    TARGET_RATIO,
                    CYCLE_ON_BREACH,
                    CYCLE_MAX_TRIES,
                    DRIFT_CONFIRM,
                    DRIFT_RECOVERY);

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
                    .withDescription(
                            "earliest, latest, or committed (the group's committed offsets;"
                                    + " earliest where it has none). Used when no checkpoint or"
                                    + " savepoint is restored.");

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

    public static final ConfigOption<Duration> KAFKA_STARTUP_TIMEOUT =
            key("kafka.startup-timeout")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(5))
                    .withDescription(
                            "How long the job, at start, waits for Kafka and the dead-letter topic"
                                    + " (a broker or topic an operator is still creating on a"
                                    + " first deploy): it checks again after 1 s, 2 s, 4 s ..."
                                    + " (at most 15 s), logging one line per check, then fails"
                                    + " with one line naming what is missing; 0 = check once"
                                    + " (what ./prunestream job does unless this is set).");

    public static final ConfigOption<String> DELIVERY_GUARANTEE =
            key("kafka.delivery-guarantee")
                    .stringType()
                    .defaultValue("exactly-once")
                    .withDescription(
                            "Writes to the dead-letter and model topics: exactly-once (Kafka"
                                    + " transactions committed on checkpoints, ids"
                                    + " '<kafka.group-id>-dead-letters-*' and"
                                    + " '<kafka.group-id>-model-versions-*'; needs checkpointing;"
                                    + " read the topics with isolation.level=read_committed) or"
                                    + " at-least-once (a failover may write a record twice).");

    public static final ConfigOption<Integer> DEAD_LETTER_MAX_PAYLOAD =
            key("kafka.dead-letter.max-payload-bytes")
                    .intType()
                    .defaultValue(0)
                    .withDescription(
                            "Keep at most this many bytes of a rejected value in its dead letter;"
                                    + " 0 = as many as fit: the smaller of the dead-letter"
                                    + " producer's max.request.size (1 MiB unless set with"
                                    + " kafka.properties.max.request.size) and the topic's"
                                    + " max.message.bytes (read at start). A cut dead letter"
                                    + " has the headers prunestream.truncated,"
                                    + " prunestream.original.size and prunestream.original.sha256;"
                                    + " the original stays in the source topic.");

    /** Keys under this prefix go to the job's Kafka clients as they are, prefix removed. */
    public static final String KAFKA_PROPERTIES_PREFIX = "kafka.properties.";

    /** Documents {@link #KAFKA_PROPERTIES_PREFIX}; never read as such. */
    public static final ConfigOption<String> KAFKA_PROPERTIES =
            key(KAFKA_PROPERTIES_PREFIX + "*")
                    .stringType()
                    .noDefaultValue()
                    .withDescription(
                            "Any Kafka client setting, passed as it is to the training source's,"
                                    + " the held-out reader's and the model topic's clients and the"
                                    + " dead-letter producer, e.g."
                                    + " kafka.properties.security.protocol: SASL_SSL,"
                                    + " kafka.properties.sasl.mechanism: PLAIN,"
                                    + " kafka.properties.sasl.jaas.config: ...,"
                                    + " kafka.properties.ssl.truststore.location: ... . The job"
                                    + " never logs their values (Kafka's own log shows secret ones"
                                    + " as [hidden]).");

    public static final ConfigOption<String> MODEL_TOPIC =
            key("kafka.model-topic")
                    .stringType()
                    .defaultValue("")
                    .withDescription("Topic for model-version announcements (JSON); empty = off.");

    public static final ConfigOption<String> SAMPLE_SHAPE =
            key("data.sample-shape")
                    .stringType()
                    .defaultValue("1,28,28")
                    .withDescription(
                            "Shape of one sample: channels,height,width (images), or a number"
                                    + " of features, e.g. 32 (feature vectors: records of rank 1,"
                                    + " for a model file such as an MLP; the built-in networks"
                                    + " take images). Unset: the model file's, if it states one.");

    public static final ConfigOption<Integer> CLASSES =
            key("data.classes")
                    .intType()
                    .defaultValue(10)
                    .withDescription("Number of classes. Unset: the model file's, if any.");

    public static final ConfigOption<String> NORMALIZE =
            key("data.normalize")
                    .stringType()
                    .defaultValue("none")
                    .withDescription(
                            "Per-channel standardisation (x - mean) / std of every sample the"
                                    + " model sees (training, held-out evaluation, reports):"
                                    + " none, or mean/std with one value or one per channel (per"
                                    + " feature for vectors), e.g. 0.2860/0.3530 or"
                                    + " 0.485,0.456,0.406/0.229,0.224,0.225. Applied after uint8"
                                    + " values are scaled to [0, 1], and to float32 values as they"
                                    + " come (data.value-range checks the values before it). A"
                                    + " model file expects the preprocessing it was trained with.");

    public static final ConfigOption<String> VALUE_RANGE =
            key("data.value-range")
                    .stringType()
                    .defaultValue("-256,256")
                    .withDescription(
                            "Accepted range of float32 sample values, 'min,max'; a finite value"
                                    + " outside it sends the record to the dead-letter topic"
                                    + " (VALUE_OUT_OF_RANGE). The default covers raw pixels 0..255"
                                    + " sent as float32 and standardised images. uint8 values are"
                                    + " 0..255 by construction.");

    public static final ConfigOption<String> EVAL_DATASET =
            key("eval.dataset")
                    .stringType()
                    .defaultValue("fashion-mnist")
                    .withDescription(
                            "Held-out set: fashion-mnist or mnist (test split), csv:FILE (rows of"
                                    + " features and a label, as ./prunestream produce --data"
                                    + " csv:FILE reads them; eval.label-column), or none.");

    public static final ConfigOption<Integer> EVAL_LABEL_COLUMN =
            key("eval.label-column")
                    .intType()
                    .defaultValue(-1)
                    .withDescription(
                            "The label's column in an eval.dataset csv:FILE, 0 = first; -1 ="
                                    + " the last.");

    public static final ConfigOption<String> EVAL_TOPIC =
            key("eval.topic")
                    .stringType()
                    .defaultValue("")
                    .withDescription(
                            "Topic holding the held-out set in the record format (read once at"
                                    + " start, up to eval.samples); overrides eval.dataset.");

    public static final ConfigOption<EvalSource> EVAL_SOURCE =
            key("eval.source")
                    .enumType(EvalSource.class)
                    .defaultValue(EvalSource.FIXED)
                    .withDescription(
                            "fixed (eval.topic, or else eval.dataset, read once at start) or"
                                    + " stream (eval.holdout of the training topic's samples,"
                                    + " chosen by a hash of partition, offset and place in the"
                                    + " record, are never trained on and go into a window of the"
                                    + " newest eval.window per run).");

    public static final ConfigOption<Double> EVAL_HOLDOUT =
            key("eval.holdout")
                    .doubleType()
                    .defaultValue(0.05)
                    .withDescription(
                            "eval.source stream: share of the samples held out, in (0, 1); the"
                                    + " same samples on every restart.");

    public static final ConfigOption<Integer> EVAL_WINDOW =
            key("eval.window")
                    .intType()
                    .defaultValue(1000)
                    .withDescription(
                            "Newest held-out samples a run evaluates on (eval.source stream), and"
                                    + " newest scored samples the prequential accuracy covers.");

    public static final ConfigOption<Integer> EVAL_PREQUENTIAL_EVERY =
            key("eval.prequential.every")
                    .intType()
                    .defaultValue(1)
                    .withDescription(
                            "Score every k-th mini-batch with the current model before its step"
                                    + " trains on it (prequential, test-then-train accuracy); 0 ="
                                    + " never. See README for its cost.");

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

    public static final ConfigOption<Integer> KEEP_VERSIONS =
            key("output.keep-versions")
                    .intType()
                    .defaultValue(20)
                    .withDescription(
                            "Newest model versions kept per run; older ones are deleted when a"
                                    + " new one is committed (0 = keep all).");

    public static final ConfigOption<Boolean> VERSION_REPORTS =
            key("output.version-reports")
                    .booleanType()
                    .defaultValue(true)
                    .withDescription(
                            "Also keep an HTML report per version (<run>/reports/vNNNN, as many"
                                    + " as output.keep-versions); the latest is always in"
                                    + " <run>/report.");

    public static final ConfigOption<Integer> CHECKPOINTS_RETAINED =
            key("prune.checkpoint.retained")
                    .intType()
                    .defaultValue(3)
                    .withDescription(
                            "Completed checkpoints kept under <output.dir>/checkpoints (retained"
                                    + " when the job is cancelled or killed, for --resume).");

    public static final ConfigOption<Integer> RESTART_MAX_FAILURES =
            key("prune.restart.max-failures")
                    .intType()
                    .defaultValue(10)
                    .withDescription(
                            "The job restarts after a failure at most this many times within"
                                    + " prune.restart.interval; one more failure ends it.");

    public static final ConfigOption<Duration> RESTART_INTERVAL =
            key("prune.restart.interval")
                    .durationType()
                    .defaultValue(Duration.ofMinutes(10))
                    .withDescription("The window in which prune.restart.max-failures count.");

    public static final ConfigOption<Duration> RESTART_DELAY =
            key("prune.restart.delay")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(10))
                    .withDescription(
                            "Wait before each restart (a broker outage then costs a few"
                                    + " restarts, not all of them).");

    public static final ConfigOption<Duration> STOP_TIMEOUT =
            key("prune.stop.timeout")
                    .durationType()
                    .defaultValue(Duration.ofSeconds(20))
                    .withDescription(
                            "./prunestream job: how long Ctrl-C or SIGTERM waits for the stop"
                                    + " savepoint; past it the job is cancelled, its newest"
                                    + " checkpoint kept for --resume (the console names it). Keep"
                                    + " it about 10 s under Kubernetes'"
                                    + " terminationGracePeriodSeconds (30 s by default).");

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
                    KAFKA_STARTUP_TIMEOUT,
                    DELIVERY_GUARANTEE,
                    DEAD_LETTER_MAX_PAYLOAD,
                    KAFKA_PROPERTIES,
                    MODEL_TOPIC,
                    SAMPLE_SHAPE,
                    CLASSES,
                    NORMALIZE,
                    VALUE_RANGE,
                    EVAL_DATASET,
                    EVAL_LABEL_COLUMN,
                    EVAL_TOPIC,
                    EVAL_SAMPLES,
                    EVAL_SOURCE,
                    EVAL_HOLDOUT,
                    EVAL_WINDOW,
                    EVAL_PREQUENTIAL_EVERY,
                    OUTPUT_DIR,
                    KEEP_VERSIONS,
                    VERSION_REPORTS,
                    METRICS_PORT,
                    METRICS_BIND,
                    METRICS_PORT_CONFLICT,
                    CHECKPOINT_INTERVAL,
                    CHECKPOINTS_RETAINED,
                    RESTART_MAX_FAILURES,
                    RESTART_INTERVAL,
                    RESTART_DELAY,
                    STOP_TIMEOUT);
}
