package io.prunestream.connectors.producer;

import io.prunestream.connectors.record.DType;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.connectors.record.SampleBatchCodec;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.Datasets.MissingDatasetException;
import io.prunestream.core.data.Datasets.Split;
import io.prunestream.core.data.LabelledImages;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Streams Fashion-MNIST or MNIST into a Kafka topic as record-format v1 values ({@link
 * SampleBatchCodec}), one sample or a mini-batch per record, as fast as possible or at a set rate.
 *
 * <pre>{@code
 * long records = DatasetProducer.produce(
 *         ProducerSettings.builder()
 *                 .setBootstrapServers("localhost:9092")
 *                 .setTopic("fashion-mnist")
 *                 .setSamplesPerRecord(32)
 *                 .setProgressBar(false)
 *                 .build(),
 *         progress -> log.info("{} samples sent", progress.samplesSent()));
 * }</pre>
 *
 * <p>From a shell: {@code DatasetProducer --bootstrap-servers localhost:9092 --topic fashion-mnist}
 * (see {@link #USAGE}).
 */
public final class DatasetProducer {
    /** Exit code for bad options or values. */
    public static final int EXIT_USAGE = 2;

    /** Exit code for a data set that is not installed. */
    public static final int EXIT_NO_DATA = 3;

    /** Exit code when Kafka fails. */
    public static final int EXIT_FAILED = 1;

    public static final String USAGE =
            String.join(
                    "\n",
                    "usage: DatasetProducer --bootstrap-servers HOST:PORT --topic TOPIC [options]",
                    "  --data fashion-mnist|mnist       data set (default fashion-mnist)",
                    "  --split train|test               which part (default train)",
                    "  --limit N                        send at most N samples (default all)",
                    "  --rate R                         samples per second, 0 = as fast as"
                            + " possible (default 0)",
                    "  --samples-per-record K           samples in one record, 1..65535"
                            + " (default 1)",
                    "  --key KEY                        key of every record, e.g. a run id"
                            + " (default none:",
                    "                                   records cycle over the topic's"
                            + " partitions)",
                    "  --dtype uint8|float32            value type (default uint8)",
                    "  --property KEY=VALUE             extra Kafka producer property"
                            + " (repeatable)",
                    "  --quiet                          no progress bar",
                    "  --help                           this text");

    private static final Duration PROGRESS_INTERVAL = Duration.ofMillis(200);

    private DatasetProducer() {}

    /** Sends the settings' data set; returns the number of records the broker acknowledged. */
    public static long produce(ProducerSettings settings) {
        return produce(settings, p -> {});
    }

    /**
     * Sends the settings' data set, reporting progress to {@code progress} (on this thread, at most
     * every 200 ms and once at the end).
     *
     * @throws MissingDatasetException when the data set is not installed (the message says how to
     *     install it)
     * @throws IllegalStateException when Kafka refuses or fails a record
     */
    public static long produce(ProducerSettings settings, Consumer<Progress> progress) {
        return produce(settings, settings.dataset().load(settings.split()), progress);
    }

    /** Sends {@code data} (already loaded) as the settings say; the data set setting is unused. */
    public static long produce(
            ProducerSettings s, LabelledImages data, Consumer<Progress> progress) {
        int total = (int) Math.min(s.limit(), data.size());
        int perRecord = Math.min(s.samplesPerRecord(), total);
        int[] shape = {data.shape().channels(), data.shape().height(), data.shape().width()};
        checkRecordSize(s, shape, perRecord, data.shape().size());
        if (s.progressBar()) {
            progress =
                    progress.andThen(new ProgressBar(System.err, data.name() + " -> " + s.topic()));
        }
        byte[] key = s.key() == null ? null : s.key().getBytes(StandardCharsets.UTF_8);
        AtomicLong ackedRecords = new AtomicLong();
        AtomicLong ackedSamples = new AtomicLong();
        AtomicReference<Exception> failure = new AtomicReference<>();
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(kafkaProperties(s))) {
            int partitions = key == null ? partitionCount(producer, s) : 0;
            long start = System.nanoTime();
            long lastReport = start;
            int recordIndex = 0;
            for (int from = 0; from < total && failure.get() == null; from += perRecord) {
                int to = Math.min(total, from + perRecord);
                int samples = to - from;
                byte[] value = SampleBatchCodec.encode(batch(data, shape, from, to, s.dtype()));
                Integer partition = key == null ? recordIndex % partitions : null;
                producer.send(
                        new ProducerRecord<>(s.topic(), partition, key, value),
                        (metadata, e) -> {
                            if (e != null) {
                                failure.compareAndSet(null, e);
                            } else {
                                ackedRecords.incrementAndGet();
                                ackedSamples.addAndGet(samples);
                            }
                        });
                recordIndex++;
                if (s.rate() > 0) {
                    pace(start, to, s.rate());
                }
                long now = System.nanoTime();
                if (now - lastReport >= PROGRESS_INTERVAL.toNanos()) {
                    lastReport = now;
                    progress.accept(
                            new Progress(
                                    ackedSamples.get(),
                                    total,
                                    ackedRecords.get(),
                                    Duration.ofNanos(now - start)));
                }
            }
            producer.flush();
            Exception e = failure.get();
            if (e != null) {
                throw new IllegalStateException(
                        "sending "
                                + data.name()
                                + " to topic '"
                                + s.topic()
                                + "' at "
                                + s.bootstrapServers()
                                + " failed after "
                                + ackedRecords.get()
                                + " records: "
                                + e.getMessage(),
                        e);
            }
            progress.accept(
                    new Progress(
                            ackedSamples.get(),
                            total,
                            ackedRecords.get(),
                            Duration.ofNanos(System.nanoTime() - start)));
            return ackedRecords.get();
        }
    }

    /** The producer's properties: ours for throughput and no duplicates, then the user's. */
    static Properties kafkaProperties(ProducerSettings s) {
        Properties p = new Properties();
        p.setProperty(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, s.bootstrapServers());
        p.setProperty(
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.setProperty(
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        // Retries never duplicate or reorder records.
        p.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
        p.setProperty(ProducerConfig.ACKS_CONFIG, "all");
        // Images compress well and lz4 costs little CPU; large batches and a short linger make
        // few, full requests.
        p.setProperty(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        p.setProperty(ProducerConfig.BATCH_SIZE_CONFIG, Integer.toString(256 * 1024));
        p.setProperty(ProducerConfig.LINGER_MS_CONFIG, "10");
        p.setProperty(ProducerConfig.BUFFER_MEMORY_CONFIG, Long.toString(64L * 1024 * 1024));
        p.setProperty(ProducerConfig.CLIENT_ID_CONFIG, "prunestream-dataset-producer");
        p.putAll(s.producerProperties());
        return p;
    }

    private static void checkRecordSize(
            ProducerSettings s, int[] shape, int perRecord, int sampleSize) {
        long bytes = SampleBatchCodec.encodedSize(shape.length, perRecord, sampleSize, s.dtype());
        String configured = s.producerProperties().get(ProducerConfig.MAX_REQUEST_SIZE_CONFIG);
        long max = configured == null ? 1024 * 1024 : Long.parseLong(configured.trim());
        if (bytes > max) {
            long perSample = 4L + (long) sampleSize * s.dtype().bytes();
            long fits = (max - SampleBatchCodec.FIXED_HEADER_BYTES - 4L * shape.length) / perSample;
            throw new IllegalArgumentException(
                    String.format(
                            Locale.ROOT,
                            "samples per record %d of %s %s samples makes records of %,d bytes,"
                                    + " over the producer's max.request.size of %,d: use at most"
                                    + " %d samples per record%s, or raise max.request.size (and"
                                    + " the topic's max.message.bytes)",
                            perRecord,
                            s.dtype().name().toLowerCase(Locale.ROOT),
                            dimsText(shape),
                            bytes,
                            max,
                            fits,
                            s.dtype() == DType.FLOAT32 ? " or dtype uint8" : ""));
        }
    }

    private static String dimsText(int[] shape) {
        StringBuilder t = new StringBuilder();
        for (int d : shape) {
            t.append(t.length() == 0 ? "" : "x").append(d);
        }
        return t.toString();
    }

    private static int partitionCount(KafkaProducer<byte[], byte[]> producer, ProducerSettings s) {
        try {
            return producer.partitionsFor(s.topic()).size();
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new IllegalStateException(
                    "cannot learn the partitions of topic '"
                            + s.topic()
                            + "' from "
                            + s.bootstrapServers()
                            + " within max.block.ms: check that the broker runs there and that"
                            + " the topic exists (or that the broker creates topics on first use)",
                    e);
        }
    }

    private static SampleBatch batch(
            LabelledImages data, int[] shape, int from, int to, DType dtype) {
        int per = data.shape().size();
        int[] labels = Arrays.copyOfRange(data.labels(), from, to);
        byte[] pixels = data.pixels();
        if (dtype == DType.UINT8) {
            return SampleBatch.ofUint8(
                    shape, labels, Arrays.copyOfRange(pixels, from * per, to * per));
        }
        float[] values = new float[(to - from) * per];
        for (int i = 0; i < values.length; i++) {
            values[i] = (pixels[from * per + i] & 0xff) / 255f;
        }
        return SampleBatch.ofFloat32(shape, labels, values);
    }

    /** Sleeps until {@code samplesSent} samples are due at {@code rate} samples/s. */
    private static void pace(long start, long samplesSent, double rate) {
        long due = start + (long) (samplesSent / rate * 1e9);
        long wait = due - System.nanoTime();
        if (wait > 0) {
            try {
                TimeUnit.NANOSECONDS.sleep(wait);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while pacing the producer", e);
            }
        }
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** The command line without {@code System.exit}: returns the exit code. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        ProducerSettings settings;
        try {
            settings = parse(args);
        } catch (HelpRequested h) {
            out.println(USAGE);
            return 0;
        } catch (IllegalArgumentException | IllegalStateException e) {
            err.println("DatasetProducer: " + e.getMessage());
            err.println(USAGE);
            return EXIT_USAGE;
        }
        Datasets d = settings.dataset();
        if (!d.isInstalled()) {
            err.println(
                    "DatasetProducer: data set '"
                            + d.id()
                            + "' is not installed in "
                            + d.directory()
                            + ". Install it with:\n    "
                            + d.installCommand());
            return EXIT_NO_DATA;
        }
        try {
            long records = produce(settings);
            if (!settings.progressBar()) {
                out.println("sent " + records + " records to " + settings.topic());
            }
            return 0;
        } catch (MissingDatasetException e) {
            err.println("DatasetProducer: " + e.getMessage());
            return EXIT_NO_DATA;
        } catch (IllegalArgumentException e) {
            err.println("DatasetProducer: " + e.getMessage());
            return EXIT_USAGE;
        } catch (RuntimeException e) {
            err.println("DatasetProducer: " + e.getMessage());
            return EXIT_FAILED;
        }
    }

    /** Parses the command line; throws IllegalArgumentException naming the bad option. */
    static ProducerSettings parse(String[] args) {
        ProducerSettings.Builder b = ProducerSettings.builder();
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String name = arg;
            String value = null;
            int eq = arg.indexOf('=');
            if (arg.startsWith("--") && eq > 0) {
                name = arg.substring(0, eq);
                value = arg.substring(eq + 1);
            }
            switch (name) {
                case "--help", "-h" -> throw new HelpRequested();
                case "--quiet", "-q" -> {
                    if (value != null) {
                        throw new IllegalArgumentException(name + " takes no value, got " + arg);
                    }
                    b.setProgressBar(false);
                    continue;
                }
                case "--bootstrap-servers",
                        "--topic",
                        "--data",
                        "--split",
                        "--limit",
                        "--rate",
                        "--samples-per-record",
                        "--key",
                        "--dtype",
                        "--property" -> {
                    if (value == null) {
                        if (i + 1 >= args.length) {
                            throw new IllegalArgumentException(name + " needs a value");
                        }
                        value = args[++i];
                    }
                }
                default ->
                        throw new IllegalArgumentException(
                                "unknown option '" + arg + "' (see the options below)");
            }
            apply(b, name, value);
        }
        return b.build();
    }

    private static void apply(ProducerSettings.Builder b, String name, String value) {
        switch (name) {
            case "--bootstrap-servers" -> b.setBootstrapServers(value);
            case "--topic" -> b.setTopic(value);
            case "--data" -> b.setDataset(Datasets.parse(value));
            case "--split" -> b.setSplit(parseSplit(value));
            case "--limit" -> b.setLimit(parseLong(name, value, 1));
            case "--rate" -> b.setRate(parseRate(value));
            case "--samples-per-record" -> {
                long k = parseLong(name, value, 1);
                if (k > SampleBatch.MAX_COUNT) {
                    throw new IllegalArgumentException(
                            name + " is " + k + ", expected 1.." + SampleBatch.MAX_COUNT);
                }
                b.setSamplesPerRecord((int) k);
            }
            case "--key" -> b.setKey(value);
            case "--dtype" -> b.setDtype(DType.parse(value));
            case "--property" -> {
                int eq = value.indexOf('=');
                if (eq < 1) {
                    throw new IllegalArgumentException(
                            "--property needs KEY=VALUE, e.g. --property max.request.size=4194304;"
                                    + " got '"
                                    + value
                                    + "'");
                }
                b.setProperty(value.substring(0, eq).trim(), value.substring(eq + 1).trim());
            }
            default -> throw new AssertionError(name);
        }
    }

    private static Split parseSplit(String value) {
        return switch (value.trim().toLowerCase(Locale.ROOT)) {
            case "train" -> Split.TRAIN;
            case "test" -> Split.TEST;
            default ->
                    throw new IllegalArgumentException(
                            "--split '" + value + "' is not a split: use train or test");
        };
    }

    private static long parseLong(String name, String value, long min) {
        long v;
        try {
            v = Long.parseLong(value.trim().replace("_", ""));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    name + " '" + value + "' is not a whole number: use e.g. " + name + " 1000");
        }
        if (v < min) {
            throw new IllegalArgumentException(name + " is " + v + ", expected >= " + min);
        }
        return v;
    }

    private static double parseRate(String value) {
        double v;
        try {
            v = Double.parseDouble(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "--rate '"
                            + value
                            + "' is not a number: use samples per second, e.g. --rate 500");
        }
        if (!(v >= 0) || Double.isInfinite(v)) {
            throw new IllegalArgumentException(
                    "--rate is " + value + ", expected samples per second > 0, or 0 for unlimited");
        }
        return v;
    }

    /** Thrown by {@link #parse} for {@code --help}. */
    private static final class HelpRequested extends RuntimeException {
        private static final long serialVersionUID = 1L;

        HelpRequested() {
            super(null, null, false, false);
        }
    }
}
