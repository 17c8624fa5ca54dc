package io.prunestream.job;

import io.prunestream.connectors.kafka.DeadLetter;
import io.prunestream.connectors.kafka.DeadLetterRouter;
import io.prunestream.connectors.kafka.DeadLetterSink;
import io.prunestream.connectors.kafka.HoldOut;
import io.prunestream.connectors.kafka.IngestedRecord;
import io.prunestream.connectors.kafka.RestorableBoundedSource;
import io.prunestream.connectors.kafka.TrainingSource;
import io.prunestream.core.config.UsageException;
import io.prunestream.core.nn.CpuBackend;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.Publication;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.config.JobSettings;
import io.prunestream.job.config.PruneOptions;
import io.prunestream.job.model.Samples;
import io.prunestream.job.model.ScheduledBatch;
import io.prunestream.job.operators.BatchAssembler;
import io.prunestream.job.operators.FanOutToRuns;
import io.prunestream.job.operators.IngestMeter;
import io.prunestream.job.operators.PenaltyScheduler;
import io.prunestream.job.operators.RunObserver;
import io.prunestream.job.operators.TrainerOperator;
import io.prunestream.job.sink.ModelFolderSink;
import io.prunestream.job.sink.ModelTopicSink;
import io.prunestream.job.sink.WatchedKafkaSink;
import io.prunestream.job.state.StateSerializers;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.functions.KeySelector;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.runtime.state.KeyGroupRangeAssignment;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.DataStreamUtils;
import org.apache.flink.streaming.api.datastream.KeyedStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.TimeUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The pruning job: Kafka → decode/validate (bad records to the dead-letter topic) → fan out to runs
 * → keyBy(run) → mini-batches → penalty schedule → trainer → metrics, progress and model versions.
 *
 * <p>Run it on a cluster with {@code flink run prunestream-job.jar --bootstrap-servers host:9092
 * [--config job.yaml] [--key value ...]}.
 */
public final class PruneJob {
    private static final Logger LOG = LoggerFactory.getLogger(PruneJob.class);

    private PruneJob() {}

    /** What {@link #build} wires, for callers that want to attach more. */
    public record Streams(
            DataStream<TrainingEvent> events,
            DataStream<ModelVersion> versions,
            DataStream<String> versionLines) {}

    public static Streams build(
            StreamExecutionEnvironment env, Configuration conf, boolean printProgress) {
        JobSettings settings = JobConfig.checkedSettings(conf);
        JobSettings.KafkaSettings kafka = settings.kafka();
        String servers = kafka.bootstrapServers();
        if (servers == null || servers.isBlank()) {
            throw new IllegalArgumentException(
                    "config key 'kafka.bootstrap-servers' is not set: pass --bootstrap-servers host:port");
        }
        // durable checkpoints and bounded restarts where neither the user nor the cluster
        // (the configuration the environment starts with) configured Flink's own keys
        env.configure(JobConfig.withFlinkDefaults(conf, env.getConfiguration()));
        InputShape shape = settings.sampleShape();
        Map<String, String> kafkaProperties = kafka.clientProperties();
        TrainingSource.StartingOffsets startingOffsets =
                JobConfig.parsed(
                        PruneOptions.STARTING_OFFSETS, TrainingSource.StartingOffsets::parse, conf);
        KafkaSource<IngestedRecord> source;
        try { // the builder refuses client properties that have their own option
            source =
                    TrainingSource.builder()
                            .setBootstrapServers(servers)
                            .setTopics(kafka.topic())
                            .setGroupId(kafka.groupId())
                            .setStartingOffsets(startingOffsets)
                            .setExpectedSampleShape(shape.dims())
                            .setClasses(settings.classes())
                            .setValueRange(settings.valueRange())
                            .setBounded(kafka.bounded())
                            .setProperties(kafkaProperties)
                            .build();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(
                    "config keys '"
                            + PruneOptions.KAFKA_PROPERTIES_PREFIX
                            + "*': "
                            + e.getMessage(),
                    e);
        }
        DataStream<IngestedRecord> records =
                env.fromSource(
                                RestorableBoundedSource.of(source, source.getProducedType()),
                                WatermarkStrategy.noWatermarks(),
                                "kafka-training-records")
                        .uid("kafka-source");
        SingleOutputStreamOperator<IngestedRecord> accepted =
                records.process(new DeadLetterRouter(new IngestMeter(conf.toMap())))
                        .name("validate")
                        .uid("validate");
        DataStream<DeadLetter> deadLetters = accepted.getSideOutput(DeadLetterRouter.DEAD_LETTERS);

        List<String> ids = settings.runIds();
        int parallelism = env.getParallelism();
        int maxParallelism =
                env.getMaxParallelism() > 0
                        ? env.getMaxParallelism()
                        : KeyGroupRangeAssignment.computeDefaultMaxParallelism(parallelism);
        // each copy carries its run's routing key, kept in the fan-out's state (RunPlacement)
        KeySelector<Samples, String> byRun = s -> s.key;
        KeyedStream<Samples, String> perRun =
                accepted.flatMap(
                                new FanOutToRuns(
                                        ids,
                                        maxParallelism,
                                        settings.features(),
                                        settings.eval().fromStream()
                                                ? new HoldOut(settings.eval().holdout())
                                                : null))
                        .name("fan-out-to-runs")
                        .uid("fan-out")
                        .keyBy(byRun);
        DataStream<Samples> batches =
                perRun.transform(
                                "mini-batches",
                                TypeInformation.of(Samples.class),
                                new BatchAssembler(settings.batchSizes()))
                        .uid("mini-batches");
        // same key, same task: no second shuffle between the keyed operators
        KeySelector<ScheduledBatch, String> byBatchRun = b -> b.batch.key;
        DataStream<ScheduledBatch> scheduled =
                DataStreamUtils.reinterpretAsKeyedStream(batches, byRun)
                        .process(new PenaltyScheduler(settings))
                        .name("penalty-scheduler")
                        .uid("penalty-scheduler");
        SingleOutputStreamOperator<TrainingEvent> events =
                DataStreamUtils.reinterpretAsKeyedStream(scheduled, byBatchRun)
                        .transform(
                                "trainer",
                                TypeInformation.of(TrainingEvent.class),
                                new TrainerOperator(settings))
                        .uid("trainer");
        // rejected records and rolled-back mini-batches go to the same dead-letter topic
        deadLetters
                .union(events.getSideOutput(TrainerOperator.QUARANTINE))
                .sinkTo(
                        watched(
                                deadLetterSink(env, conf, servers, kafkaProperties),
                                "dead-letter-topic",
                                kafkaProperties,
                                settings))
                .name("dead-letter-topic")
                .uid("dead-letter-sink");
        DataStream<Publication> publications = events.getSideOutput(TrainerOperator.PUBLICATIONS);
        // folders appear when the checkpoint that covers them completes (two-phase commit)
        publications
                .sinkTo(
                        new ModelFolderSink(
                                settings.keepVersions(), settings.outputDir(), settings.runIds()))
                .name("model-folders")
                .uid("model-folders");
        DataStream<ModelVersion> versions =
                publications
                        .map(Publication::version)
                        .returns(StateSerializers.MODEL_VERSION)
                        .name("versions")
                        .uid("versions");
        String modelTopic = kafka.modelTopic();
        if (!modelTopic.isBlank()) {
            versions.sinkTo(
                            watched(
                                    ModelTopicSink.kafka(
                                            servers,
                                            modelTopic,
                                            JobConfig.parsed(
                                                    PruneOptions.DELIVERY_GUARANTEE,
                                                    PruneJob::deliveryGuarantee,
                                                    conf),
                                            kafka.groupId() + "-model-versions",
                                            kafkaProperties),
                                    "model-topic",
                                    kafkaProperties,
                                    settings))
                    .name("model-topic")
                    .uid("model-topic");
        }
        DataStream<String> lines =
                events.keyBy(TrainingEvent::runId)
                        .connect(versions.keyBy(ModelVersion::runId))
                        .process(
                                new RunObserver(
                                        settings.metrics(),
                                        printProgress,
                                        settings.versionReports(),
                                        settings.keepVersions()))
                        .name("metrics")
                        .uid("metrics");
        return new Streams(events, versions, lines);
    }

    /**
     * The dead-letter sink; checks the topic on the cluster now, so a missing or unwritable topic
     * stops the job before it starts.
     */
    private static KafkaSink<DeadLetter> deadLetterSink(
            StreamExecutionEnvironment env,
            Configuration conf,
            String servers,
            Map<String, String> kafkaProperties) {
        DeliveryGuarantee guarantee =
                JobConfig.parsed(
                        PruneOptions.DELIVERY_GUARANTEE, PruneJob::deliveryGuarantee, conf);
        if (guarantee == DeliveryGuarantee.EXACTLY_ONCE
                && !env.getCheckpointConfig().isCheckpointingEnabled()) {
            throw new IllegalArgumentException(
                    "config key 'kafka.delivery-guarantee' is exactly-once, which commits dead"
                            + " letters on checkpoints, but checkpointing is off: set"
                            + " prune.checkpoint.interval (e.g. 10 s) or kafka.delivery-guarantee:"
                            + " at-least-once");
        }
        String topic = conf.get(PruneOptions.DEAD_LETTER_TOPIC);
        Duration wait = conf.get(PruneOptions.KAFKA_STARTUP_TIMEOUT);
        try {
            // on a first deploy Kafka and its topics may still be coming up: wait for them
            return DeadLetterSink.builder()
                    .setBootstrapServers(servers)
                    .setTopic(topic)
                    .setDeliveryGuarantee(guarantee)
                    .setTransactionalIdPrefix(conf.get(PruneOptions.GROUP_ID) + "-dead-letters")
                    .setMaxPayloadBytes(conf.get(PruneOptions.DEAD_LETTER_MAX_PAYLOAD))
                    .setProperties(kafkaProperties)
                    .setStartupWait(wait)
                    .build();
        } catch (IllegalStateException e) {
            throw new IllegalStateException(
                    "config key 'kafka.dead-letter-topic' ('"
                            + topic
                            + "'): "
                            + e.getMessage()
                            + (wait.isZero()
                                    ? ""
                                    : "; kafka.startup-timeout is "
                                            + TimeUtils.formatWithHighestUnit(wait)),
                    e);
        }
    }

    /** A Kafka sink whose lost transactions are logged and counted. */
    private static <T> WatchedKafkaSink<T> watched(
            KafkaSink<T> sink,
            String name,
            Map<String, String> kafkaProperties,
            JobSettings settings) {
        return new WatchedKafkaSink<>(
                sink,
                name,
                DeadLetterSink.transactionTimeoutMs(kafkaProperties),
                settings.metrics());
    }

    /** exactly-once or at-least-once. */
    static DeliveryGuarantee deliveryGuarantee(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "exactly-once" -> DeliveryGuarantee.EXACTLY_ONCE;
            case "at-least-once" -> DeliveryGuarantee.AT_LEAST_ONCE;
            default -> throw new IllegalArgumentException("expected exactly-once or at-least-once");
        };
    }

    /**
     * Builds and runs the job. Bad input (a setting, or Kafka or the dead-letter topic still not
     * there after {@code kafka.startup-timeout}) throws a {@link UsageException} whose message is
     * one line naming the key and the fix: in application mode this runs in the JobManager, which
     * must fail the application, not exit its JVM.
     */
    public static void main(String[] args) throws Exception {
        CpuBackend.configure();
        Configuration conf;
        // the cluster's configuration; build() adds the job's settings where it has none
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        Streams s;
        try {
            conf = JobConfig.fromArgs(args);
            s = build(env, conf, false);
        } catch (IllegalArgumentException | IllegalStateException e) {
            UsageException usage = UsageException.of(e);
            LOG.error("prunestream job: {}", usage.getMessage());
            throw usage;
        }
        s.versionLines().print().name("versions-log");
        env.execute("prunestream");
    }
}
