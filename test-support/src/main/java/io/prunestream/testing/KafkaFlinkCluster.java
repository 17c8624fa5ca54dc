package io.prunestream.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.testutils.MiniClusterResourceConfiguration;
import org.apache.flink.test.junit5.MiniClusterExtension;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit 5 fixture for one test class: a real Kafka broker ({@link LocalKafkaBroker}) and a Flink
 * mini cluster ({@link MiniClusterExtension}, so {@code
 * StreamExecutionEnvironment.getExecutionEnvironment()} runs jobs on it), plus byte-array clients
 * for what tests do around a job: send raw records, read a topic as a {@code read_committed}
 * consumer sees it.
 *
 * <pre>{@code
 * @RegisterExtension
 * static final KafkaFlinkCluster CLUSTER = KafkaFlinkCluster.builder().build();
 *
 * @BeforeAll
 * static void topics() {
 *     CLUSTER.createTopic("samples", 2); // the broker is up before @BeforeAll methods run
 * }
 * }</pre>
 *
 * <p>Needs {@code flink-test-utils} and {@code junit-jupiter} on the test class path (this module
 * declares them {@code provided}, so programs that use only the broker do not get them).
 */
public final class KafkaFlinkCluster
        implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback {
    /** How long {@link #readCommitted} waits for the records it was told to expect. */
    public static final Duration READ_TIMEOUT = Topics.READ_TIMEOUT;

    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    private final Map<String, String> brokerProperties;
    private final MiniClusterExtension flink;
    private Path workDir;
    private LocalKafkaBroker broker;

    private KafkaFlinkCluster(Map<String, String> brokerProperties, MiniClusterExtension flink) {
        this.brokerProperties = Map.copyOf(brokerProperties);
        this.flink = flink;
    }

    /** A builder; by default one TaskManager with two slots and a broker with stock settings. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        workDir = Files.createTempDirectory("kafka-flink-cluster");
        broker =
                LocalKafkaBroker.start(
                        workDir, LocalKafkaBroker.DEFAULT_START_TIMEOUT, brokerProperties);
        if (flink != null) {
            flink.beforeAll(context);
        }
    }

    @Override
    public void beforeEach(ExtensionContext context) throws Exception {
        if (flink != null) {
            flink.beforeEach(context);
        }
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        if (flink != null) {
            flink.afterEach(context);
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        try {
            if (flink != null) {
                flink.afterAll(context);
            }
        } finally {
            if (broker != null) {
                broker.close();
            }
            LocalFiles.deleteTree(workDir);
        }
    }

    /** The broker, e.g. for its admin client. */
    public LocalKafkaBroker broker() {
        checkStarted();
        return broker;
    }

    /** {@code host:port} for Kafka clients and the job's {@code kafka.bootstrap-servers}. */
    public String bootstrapServers() {
        return broker().bootstrapServers();
    }

    /** See {@link LocalKafkaBroker#createTopic(String, int)}. */
    public void createTopic(String name, int partitions) {
        broker().createTopic(name, partitions);
    }

    /** See {@link LocalKafkaBroker#createTopic(String, int, Map)}. */
    public void createTopic(String name, int partitions, Map<String, String> configs) {
        broker().createTopic(name, partitions, configs);
    }

    /** A byte-array producer on this broker; {@code overrides} replace or add client settings. */
    public KafkaProducer<byte[], byte[]> producer(Map<String, ?> overrides) {
        return new KafkaProducer<>(
                clientConfig(overrides), new ByteArraySerializer(), new ByteArraySerializer());
    }

    /** A byte-array consumer on this broker; {@code overrides} replace or add client settings. */
    public KafkaConsumer<byte[], byte[]> consumer(Map<String, ?> overrides) {
        return new KafkaConsumer<>(
                clientConfig(overrides), new ByteArrayDeserializer(), new ByteArrayDeserializer());
    }

    private Map<String, Object> clientConfig(Map<String, ?> overrides) {
        Map<String, Object> config = new HashMap<>();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.putAll(overrides);
        return config;
    }

    /** Sends the records in order and waits until the broker acknowledged each. */
    public List<RecordMetadata> send(List<ProducerRecord<byte[], byte[]>> records) {
        return send(records, Map.of());
    }

    /**
     * Sends the records in order with a producer made with {@code overrides} (e.g. {@code
     * max.request.size} for large records) and returns where each landed, in the same order.
     *
     * @throws IllegalStateException when the broker rejects a record or does not answer in 30 s
     */
    public List<RecordMetadata> send(
            List<ProducerRecord<byte[], byte[]>> records, Map<String, ?> overrides) {
        List<Future<RecordMetadata>> sent = new ArrayList<>();
        try (KafkaProducer<byte[], byte[]> p = producer(overrides)) {
            for (ProducerRecord<byte[], byte[]> r : records) {
                sent.add(p.send(r));
            }
            p.flush();
            List<RecordMetadata> out = new ArrayList<>();
            for (int i = 0; i < sent.size(); i++) {
                out.add(sent.get(i).get(SEND_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
            }
            return out;
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "the broker rejected a record: " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException(
                    "no acknowledgement within " + SEND_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sending", e);
        }
    }

    /** {@link Topics#readCommitted} on this broker. */
    public List<ConsumerRecord<byte[], byte[]>> readCommitted(String topic, int atLeast) {
        return Topics.readCommitted(bootstrapServers(), topic, atLeast);
    }

    /** {@link Topics#header}. */
    public static String header(ConsumerRecord<?, ?> record, String name) {
        return Topics.header(record, name);
    }

    private void checkStarted() {
        if (broker == null) {
            throw new IllegalStateException(
                    "the cluster is not started: register KafkaFlinkCluster with @RegisterExtension"
                            + " on a static field, and use it from @BeforeAll or test methods");
        }
    }

    /** Sizes the mini cluster and sets broker settings. */
    public static final class Builder {
        private int taskManagers = 1;
        private int slotsPerTaskManager = 2;
        private Configuration flinkConfiguration = new Configuration();
        private final Map<String, String> brokerProperties = new LinkedHashMap<>();
        private boolean miniCluster = true;

        private Builder() {}

        /** The mini cluster's size (default: one TaskManager with two slots). */
        public Builder miniCluster(int taskManagers, int slotsPerTaskManager) {
            this.taskManagers = taskManagers;
            this.slotsPerTaskManager = slotsPerTaskManager;
            return this;
        }

        /** Cluster settings, e.g. a restart strategy or a metric reporter. */
        public Builder flinkConfiguration(Configuration conf) {
            this.flinkConfiguration = conf;
            return this;
        }

        /** A line added to the broker's {@code server.properties}. */
        public Builder brokerProperty(String key, String value) {
            brokerProperties.put(key, value);
            return this;
        }

        /** The broker alone, for tests of Kafka clients that run no Flink job. */
        public Builder withoutMiniCluster() {
            this.miniCluster = false;
            return this;
        }

        public KafkaFlinkCluster build() {
            if (taskManagers < 1 || slotsPerTaskManager < 1) {
                throw new IllegalArgumentException(
                        "a mini cluster of "
                                + taskManagers
                                + " TaskManagers with "
                                + slotsPerTaskManager
                                + " slots each cannot run a job: use at least 1 of each, or"
                                + " withoutMiniCluster()");
            }
            MiniClusterExtension flink =
                    miniCluster
                            ? new MiniClusterExtension(
                                    new MiniClusterResourceConfiguration.Builder()
                                            .setNumberTaskManagers(taskManagers)
                                            .setNumberSlotsPerTaskManager(slotsPerTaskManager)
                                            .setConfiguration(flinkConfiguration)
                                            .build())
                            : null;
            return new KafkaFlinkCluster(brokerProperties, flink);
        }
    }
}
