package io.prunestream.connectors.producer;

import io.prunestream.connectors.record.DType;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.connectors.record.SampleBatchCodec;
import io.prunestream.core.data.CsvFile;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.Datasets.MissingDatasetException;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.data.LabelledVectors;
import io.prunestream.core.data.SampleSource;
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
 * Streams Fashion-MNIST, MNIST or the rows of a CSV file (feature vectors: float32 samples of rank
 * 1) into a Kafka topic as record-format v1 values ({@link SampleBatchCodec}), one sample or a
 * mini-batch per record, as fast as possible or at a set rate.
 *
 * <pre>{@code
 * long records = DatasetProducer.produce(
 *         ProducerSettings.builder()
 *                 .setBootstrapServers("localhost:9092")
 *                 .setTopic("fashion-mnist")
 *                 .setSamplesPerRecord(32)
 *                 .build(),
 *         progress -> log.info("{} samples sent", progress.samplesSent()));
 * }</pre>
 *
 * <p>From a shell: {@code ./prunestream produce --bootstrap-servers localhost:9092 --topic
 * fashion-mnist} (the apps module's command line; it draws a progress bar from these reports).
 */
public final class DatasetProducer {
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
        SampleSource data = settings.data();
        if (data instanceof CsvFile csv) {
            return produce(settings, csv.load(settings.limit()), progress);
        }
        return produce(settings, ((Datasets) data).load(settings.split()), progress);
    }

    /**
     * Sends {@code data} (already loaded) as the settings say, shifted if they say so; the data
     * setting is unused.
     */
    public static long produce(
            ProducerSettings s, LabelledImages data, Consumer<Progress> progress) {
        return produce(
                s,
                Rows.of(s.shift() == null ? data : s.shift().apply(data, s.shiftAfter())),
                progress);
    }

    /**
     * Sends feature vectors (already loaded) as float32 samples of rank 1; the data setting is
     * unused.
     */
    public static long produce(
            ProducerSettings s, LabelledVectors data, Consumer<Progress> progress) {
        return produce(
                s,
                Rows.of(s.shift() == null ? data : s.shift().apply(data, s.shiftAfter())),
                progress);
    }

    /** Samples to send: one sample's dims and a record's worth of them. */
    private interface Rows {
        String name();

        int[] shape();

        int size();

        SampleBatch batch(int from, int to, DType dtype);

        static Rows of(LabelledImages data) {
            int[] shape = data.shape().dims();
            return new Rows() {
                public String name() {
                    return data.name();
                }

                public int[] shape() {
                    return shape;
                }

                public int size() {
                    return data.size();
                }

                public SampleBatch batch(int from, int to, DType dtype) {
                    return DatasetProducer.batch(data, shape, from, to, dtype);
                }
            };
        }

        static Rows of(LabelledVectors data) {
            int[] shape = {data.features()};
            return new Rows() {
                public String name() {
                    return data.name();
                }

                public int[] shape() {
                    return shape;
                }

                public int size() {
                    return data.size();
                }

                public SampleBatch batch(int from, int to, DType dtype) {
                    int n = data.features();
                    return SampleBatch.ofFloat32(
                            shape,
                            Arrays.copyOfRange(data.labels(), from, to),
                            Arrays.copyOfRange(data.values(), from * n, to * n));
                }
            };
        }
    }

    private static long produce(ProducerSettings s, Rows data, Consumer<Progress> progress) {
        int total = (int) Math.min(s.limit(), data.size());
        int perRecord = Math.min(s.samplesPerRecord(), total);
        int[] shape = data.shape();
        checkRecordSize(s, shape, perRecord, Arrays.stream(shape).reduce(1, (a, b) -> a * b));
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
                byte[] value = SampleBatchCodec.encode(data.batch(from, to, s.dtype()));
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
}
