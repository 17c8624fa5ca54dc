package io.prunestream.apps.produce;

import io.prunestream.connectors.producer.DataShift;
import io.prunestream.connectors.producer.DatasetProducer;
import io.prunestream.connectors.producer.ProducerSettings;
import io.prunestream.connectors.record.DType;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.core.config.UsageException;
import io.prunestream.core.data.CsvFile;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.Datasets.MissingDatasetException;
import io.prunestream.core.data.Datasets.Split;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.data.LabelledVectors;
import io.prunestream.core.data.SampleSource;
import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

/**
 * {@code ./prunestream produce}: streams a data set into a Kafka topic with {@link
 * DatasetProducer}, with a progress bar on stderr ({@link ProducerProgressBar}) unless {@code
 * --quiet}.
 */
@Command(
        name = "produce",
        description = {
            "Streams Fashion-MNIST, MNIST or a CSV file's rows (float32 feature vectors) into a"
                    + " Kafka topic as record-format v1 values, one sample or a mini-batch per"
                    + " record, as fast as possible or at a set rate."
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:done",
            "1:Kafka failed",
            "2:unknown option or bad value (a bad CSV row: FILE:LINE and why)",
            "3:data set not installed (prints the install command)"
        })
public final class ProduceCommand implements Callable<Integer> {
    /** Exit code when Kafka fails. */
    public static final int EXIT_FAILED = 1;

    /** Exit code for bad options or values. */
    public static final int EXIT_USAGE = CommandLine.ExitCode.USAGE;

    /** Exit code for a data set that is not installed. */
    public static final int EXIT_NO_DATA = 3;

    @Spec CommandSpec spec;

    @Option(
            names = "--bootstrap-servers",
            required = true,
            paramLabel = "HOST:PORT",
            description = "Kafka to send to.")
    String bootstrapServers;

    @Option(
            names = "--topic",
            required = true,
            paramLabel = "TOPIC",
            description = "Topic to write.")
    String topic;

    @Option(
            names = "--data",
            defaultValue = "fashion-mnist",
            paramLabel = "fashion-mnist|mnist|csv:FILE",
            converter = DataConverter.class,
            description =
                    "Data set (default: ${DEFAULT-VALUE}), or csv:FILE: one sample per line,"
                            + " numbers separated by commas, one of them the class index (see"
                            + " --label-column); a first line that is not all numbers is a header"
                            + " and skipped. Rows are sent as float32 feature vectors (records of"
                            + " rank 1); a bad row stops with FILE:LINE and the reason.")
    SampleSource data;

    @Option(
            names = "--label-column",
            paramLabel = "N",
            description = "csv:FILE only: the class index's column, 0 = first (default: the last).")
    Integer labelColumn;

    @Option(
            names = "--split",
            defaultValue = "train",
            paramLabel = "train|test",
            converter = SplitConverter.class,
            description = "Which part of fashion-mnist or mnist (default: ${DEFAULT-VALUE}).")
    Split split;

    @Option(
            names = "--limit",
            paramLabel = "N",
            converter = LongConverter.class,
            description = "Send at most N samples, from the start of the split (default: all).")
    Long limit;

    @Option(
            names = "--rate",
            defaultValue = "0",
            paramLabel = "R",
            description =
                    "Samples per second; 0 = as fast as the broker takes them (default:"
                            + " ${DEFAULT-VALUE}).")
    double rate;

    @Option(
            names = "--samples-per-record",
            defaultValue = "1",
            paramLabel = "K",
            converter = IntConverter.class,
            description =
                    "Samples in one record, 1..65535; the last record may hold fewer (default:"
                            + " ${DEFAULT-VALUE}).")
    int samplesPerRecord;

    @Option(
            names = "--key",
            paramLabel = "KEY",
            description =
                    "Key of every record, e.g. a run id: all records go to one partition, in"
                            + " order (default: none; records cycle over the topic's partitions).")
    String key;

    @Option(
            names = "--dtype",
            paramLabel = "uint8|float32",
            converter = DTypeConverter.class,
            description =
                    "Value type; float32 records are 4x larger (default: uint8 for images, float32"
                            + " for csv:FILE, which is float32 only).")
    DType dtype;

    @Option(
            names = "--property",
            paramLabel = "KEY=VALUE",
            description = "Extra Kafka producer property, overriding ours; repeatable.")
    Map<String, String> properties = new LinkedHashMap<>();

    @Option(
            names = "--shift",
            paramLabel = "rotate90|noise:SIGMA|classes:A-B",
            converter = ShiftConverter.class,
            description =
                    "Make the stream drift on purpose (tests, demos): from sample --after on,"
                            + " images turned 90 degrees, Gaussian noise of SIGMA (of the 0..1"
                            + " range), or only labels A..B (default: none).")
    DataShift shift;

    @Option(
            names = "--after",
            defaultValue = "0",
            paramLabel = "N",
            converter = LongConverter.class,
            description = "With --shift: samples sent unchanged first (default: ${DEFAULT-VALUE}).")
    long after;

    @Option(names = "--quiet", description = "No progress bar; prints the records sent at the end.")
    boolean quiet;

    /** Parses {@code args} without running (for tests). */
    static ProduceCommand parse(String... args) {
        ProduceCommand c = new ProduceCommand();
        new CommandLine(c).parseArgs(args);
        return c;
    }

    boolean quiet() {
        return quiet;
    }

    /** The producer settings these options describe; the builder's checks say what is wrong. */
    ProducerSettings settings() {
        SampleSource source = data;
        if (labelColumn != null) {
            if (!(data instanceof CsvFile csv)) {
                throw new IllegalArgumentException(
                        "--label-column is for csv:FILE data, not " + data.id() + ": drop it");
            }
            source = csv.withLabelColumn(labelColumn);
        }
        ProducerSettings.Builder b =
                ProducerSettings.builder()
                        .setBootstrapServers(bootstrapServers)
                        .setTopic(topic)
                        .setData(source)
                        .setSplit(split)
                        .setRate(rate)
                        .setSamplesPerRecord(samplesPerRecord)
                        .setKey(key)
                        .setDtype(dtype);
        if (limit != null) {
            b.setLimit(limit);
        }
        if (shift == null && after != 0) {
            throw new IllegalArgumentException(
                    "--after " + after + " needs --shift: add e.g. --shift rotate90, or drop it");
        }
        b.setShift(shift, after);
        properties.forEach((k, v) -> b.setProperty(k.trim(), v.trim()));
        return b.build();
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        ProducerSettings s;
        try {
            s = settings();
        } catch (IllegalArgumentException | IllegalStateException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
        if (s.data() instanceof Datasets d && !d.isInstalled()) {
            err.println(
                    "produce: data set '"
                            + d.id()
                            + "' is not installed in "
                            + d.directory()
                            + ". Install it with:\n    "
                            + d.installCommand());
            return EXIT_NO_DATA;
        }
        checkTopic(s);
        try {
            if (quiet) {
                long records = DatasetProducer.produce(s, p -> {});
                out.println("sent " + records + " records to " + s.topic());
            } else if (s.data() instanceof CsvFile csv) {
                LabelledVectors rows = csv.load(s.limit());
                try (ProducerProgressBar bar =
                        ProducerProgressBar.onStderr(csv.id() + " -> " + s.topic(), rows.size())) {
                    DatasetProducer.produce(s, rows, bar);
                }
            } else {
                LabelledImages images = ((Datasets) s.data()).load(s.split());
                long samples = Math.min(s.limit(), images.size());
                try (ProducerProgressBar bar =
                        ProducerProgressBar.onStderr(images.name() + " -> " + s.topic(), samples)) {
                    DatasetProducer.produce(s, images, bar);
                }
            }
            return 0;
        } catch (MissingDatasetException e) {
            err.println("produce: " + e.getMessage());
            return EXIT_NO_DATA;
        } catch (UsageException e) {
            throw e; // one line and status 2, as every command's (Main)
        } catch (IllegalArgumentException e) {
            err.println("produce: " + e.getMessage());
            return EXIT_USAGE;
        } catch (RuntimeException e) {
            err.println("produce: " + e.getMessage());
            return EXIT_FAILED;
        }
    }

    /**
     * Refuses a topic that does not exist on a broker that does not create topics on first use (the
     * producer would wait max.block.ms, then fail). A broker that cannot be asked is left to the
     * producer, whose error says so.
     */
    static void checkTopic(ProducerSettings s) {
        Map<String, Object> props = new LinkedHashMap<>(s.producerProperties());
        props.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 3000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 5000);
        try (Admin admin = Admin.create(props)) {
            try {
                admin.describeTopics(List.of(s.topic())).allTopicNames().get(5, TimeUnit.SECONDS);
                return;
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof UnknownTopicOrPartitionException)) {
                    return;
                }
            }
            Node broker =
                    admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).iterator().next();
            ConfigResource r = new ConfigResource(ConfigResource.Type.BROKER, broker.idString());
            ConfigEntry auto =
                    admin.describeConfigs(List.of(r))
                            .all()
                            .get(5, TimeUnit.SECONDS)
                            .get(r)
                            .get("auto.create.topics.enable");
            if (auto != null && !Boolean.parseBoolean(auto.value())) {
                throw new UsageException(
                        "topic '"
                                + s.topic()
                                + "' does not exist on "
                                + s.bootstrapServers()
                                + ", and the broker does not create topics on first use: create it"
                                + " (kafka-topics.sh --create --topic "
                                + s.topic()
                                + ") or fix --topic");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException | KafkaException e) {
            // not answered: the producer tries and says what went wrong
        }
    }

    /** A whole number; {@code 1_000} reads as 1000. */
    static long wholeNumber(String value) {
        try {
            return Long.parseLong(value.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + value + "' is not a whole number");
        }
    }

    static final class LongConverter implements ITypeConverter<Long> {
        @Override
        public Long convert(String value) {
            return wholeNumber(value);
        }
    }

    static final class IntConverter implements ITypeConverter<Integer> {
        @Override
        public Integer convert(String value) {
            long v = wholeNumber(value);
            if (v != (int) v) {
                throw new TypeConversionException(
                        "'" + value + "' is out of range, expected 1.." + SampleBatch.MAX_COUNT);
            }
            return (int) v;
        }
    }

    static final class DataConverter implements ITypeConverter<SampleSource> {
        @Override
        public SampleSource convert(String value) {
            try {
                return SampleSource.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class ShiftConverter implements ITypeConverter<DataShift> {
        @Override
        public DataShift convert(String value) {
            try {
                return DataShift.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class DTypeConverter implements ITypeConverter<DType> {
        @Override
        public DType convert(String value) {
            try {
                return DType.parse(value);
            } catch (IllegalArgumentException e) {
                throw new TypeConversionException(e.getMessage());
            }
        }
    }

    static final class SplitConverter implements ITypeConverter<Split> {
        @Override
        public Split convert(String value) {
            return switch (value.trim().toLowerCase(Locale.ROOT)) {
                case "train" -> Split.TRAIN;
                case "test" -> Split.TEST;
                default ->
                        throw new TypeConversionException(
                                "'" + value + "' is not a split: use train or test");
            };
        }
    }
}
