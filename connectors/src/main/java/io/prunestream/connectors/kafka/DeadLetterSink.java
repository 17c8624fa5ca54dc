package io.prunestream.connectors.kafka;

import static org.apache.flink.util.Preconditions.checkState;

import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.sink.KafkaSink;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the {@link KafkaSink} that writes rejected records to a dead-letter topic (see {@link
 * DeadLetterSerializer} for the record layout and headers).
 *
 * <pre>{@code
 * KafkaSink<DeadLetter> sink = DeadLetterSink.builder()
 *         .setBootstrapServers("localhost:9092")
 *         .setTopic("fashion-mnist.dead-letters")
 *         .setTransactionalIdPrefix("prunestream-dead-letters")
 *         .build(); // checks the topic on the cluster
 * batches.getSideOutput(DeadLetterRouter.DEAD_LETTERS).sinkTo(sink);
 * }</pre>
 *
 * <p>{@link #build} reads the topic from the cluster ({@link DeadLetterTopic#check}): a missing or
 * unwritable topic fails there, with the fix in the message, not later in a restarting task; with
 * {@link Builder#setStartupWait} it keeps checking a cluster that is still starting. Every dead
 * letter fits: above the smaller of the producer's {@code max.request.size} (set explicitly,
 * default {@value #DEFAULT_MAX_REQUEST_SIZE}) and the topic's {@code max.message.bytes}, its value
 * is cut and traced by size and SHA-256.
 *
 * <p>{@link DeliveryGuarantee#EXACTLY_ONCE} (the default) writes in Kafka transactions committed on
 * checkpoints: it needs {@link Builder#setTransactionalIdPrefix}, checkpointing, and readers with
 * {@code isolation.level=read_committed}. {@link DeliveryGuarantee#AT_LEAST_ONCE} may write a dead
 * letter twice after a failover.
 */
public final class DeadLetterSink {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterSink.class);

    /**
     * The transactional producers' {@code transaction.timeout.ms} unless set: the broker's default
     * {@code transaction.max.timeout.ms} (15 min), the longest a broker left at defaults accepts
     * (Flink's own default, 1 h, is refused there). A transaction open longer is aborted by the
     * broker, with the records written in it.
     */
    public static final long TRANSACTION_TIMEOUT_MS = 900_000;

    static final String DEFAULT_TRANSACTION_TIMEOUT_MS = Long.toString(TRANSACTION_TIMEOUT_MS);

    /** The transaction timeout of producers given these client properties. */
    public static long transactionTimeoutMs(Map<String, String> clientProperties) {
        String set = clientProperties.get(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
        return set == null ? TRANSACTION_TIMEOUT_MS : Long.parseLong(set.trim());
    }

    /** The dead-letter producer's {@code max.request.size} unless set: Kafka's default, 1 MiB. */
    public static final int DEFAULT_MAX_REQUEST_SIZE = 1024 * 1024;

    /** How long {@link Builder#build()} waits for the cluster to describe the topic. */
    public static final Duration DEFAULT_CHECK_TIMEOUT = Duration.ofSeconds(30);

    /** Kafka's default {@code buffer.memory}: no record may be larger. */
    private static final long DEFAULT_BUFFER_MEMORY = 32L * 1024 * 1024;

    private DeadLetterSink() {}

    public static Builder builder() {
        return new Builder();
    }

    /** Collects the settings; {@link #build()} checks them and the topic. */
    public static final class Builder extends KafkaClientBuilder<Builder> {
        private String topic;
        private DeliveryGuarantee deliveryGuarantee = DeliveryGuarantee.EXACTLY_ONCE;
        private String transactionalIdPrefix;
        private int maxPayloadBytes;
        private Duration checkTimeout = DEFAULT_CHECK_TIMEOUT;
        private Duration startupWait = Duration.ZERO;

        private Builder() {
            super(
                    Set.of(
                            "bootstrap.servers",
                            "key.serializer",
                            "value.serializer",
                            "transactional.id"),
                    "use setBootstrapServers/setTransactionalIdPrefix instead of setProperty");
        }

        /** The dead-letter topic; it must exist when {@link #build()} is called. */
        public Builder setTopic(String topic) {
            this.topic = topic;
            return this;
        }

        /** Default {@link DeliveryGuarantee#EXACTLY_ONCE}. */
        public Builder setDeliveryGuarantee(DeliveryGuarantee deliveryGuarantee) {
            this.deliveryGuarantee = deliveryGuarantee;
            return this;
        }

        /** Needed for {@link DeliveryGuarantee#EXACTLY_ONCE}: unique per job on the cluster. */
        public Builder setTransactionalIdPrefix(String transactionalIdPrefix) {
            this.transactionalIdPrefix = transactionalIdPrefix;
            return this;
        }

        /**
         * Keep at most this many bytes of a rejected value (the rest is traced by size and
         * SHA-256); default 0 = as many as the producer and the topic take.
         */
        public Builder setMaxPayloadBytes(int maxPayloadBytes) {
            this.maxPayloadBytes = maxPayloadBytes;
            return this;
        }

        /** How long {@link #build()} waits for the cluster; default 30 s. */
        public Builder setTopicCheckTimeout(Duration checkTimeout) {
            this.checkTimeout = checkTimeout;
            return this;
        }

        /**
         * How long {@link #build()} keeps checking a cluster or topic that is not ready yet (a
         * broker still starting, a topic not yet created), pausing 1 s, 2 s, 4 s ... up to 15 s
         * between checks, one log line each; default 0: one check.
         */
        public Builder setStartupWait(Duration startupWait) {
            this.startupWait = startupWait;
            return this;
        }

        /**
         * Checks the settings, then the topic on the cluster, and builds the sink.
         *
         * @throws IllegalStateException for a missing setting, or a topic that is missing, not
         *     writable or unreachable (the message says which and what to do)
         */
        public KafkaSink<DeadLetter> build() {
            checkSettings();
            producerLimit(producerConfig()); // bad numbers fail before any network call
            return build(
                    DeadLetterTopic.await(
                            bootstrapServers,
                            topic,
                            properties.asMap(),
                            checkTimeout,
                            startupWait));
        }

        /** Builds for a topic already checked. */
        KafkaSink<DeadLetter> build(DeadLetterTopic checked) {
            checkSettings();
            Properties producer = producerConfig();
            DeadLetterSerializer serializer = serializer(producer, checked);
            LOG.info(
                    "dead letters go to '{}' ({}): records up to {} bytes (max.request.size {},"
                            + " topic max.message.bytes {}), values kept up to {}",
                    topic,
                    deliveryGuarantee,
                    serializer.recordLimit(),
                    producer.getProperty(ProducerConfig.MAX_REQUEST_SIZE_CONFIG),
                    checked.maxMessageBytes(),
                    maxPayloadBytes == 0 ? "what fits" : maxPayloadBytes + " bytes");
            var b =
                    KafkaSink.<DeadLetter>builder()
                            .setBootstrapServers(bootstrapServers)
                            .setKafkaProducerConfig(producer)
                            .setRecordSerializer(serializer)
                            .setDeliveryGuarantee(deliveryGuarantee);
            if (transactionalIdPrefix != null) {
                b.setTransactionalIdPrefix(transactionalIdPrefix);
            }
            return b.build();
        }

        private void checkSettings() {
            checkBootstrapServers();
            checkState(
                    topic != null && !topic.isBlank(),
                    "dead-letter topic is not set: call setTopic(\"<topic>.dead-letters\")");
            checkState(
                    deliveryGuarantee != null,
                    "delivery guarantee must not be null: use EXACTLY_ONCE (default),"
                            + " AT_LEAST_ONCE or NONE");
            checkState(
                    deliveryGuarantee != DeliveryGuarantee.EXACTLY_ONCE
                            || (transactionalIdPrefix != null && !transactionalIdPrefix.isBlank()),
                    "delivery guarantee EXACTLY_ONCE needs a transactional id prefix unique to"
                            + " this job on the cluster: call"
                            + " setTransactionalIdPrefix(\"prunestream-dead-letters\"), or"
                            + " setDeliveryGuarantee(AT_LEAST_ONCE)");
            checkState(
                    maxPayloadBytes >= 0,
                    "max payload bytes is %s: use 0 (as many as fit) or a positive number",
                    maxPayloadBytes);
            checkState(
                    checkTimeout != null && !checkTimeout.isNegative() && !checkTimeout.isZero(),
                    "topic check timeout must be positive, e.g. setTopicCheckTimeout(%s)",
                    DEFAULT_CHECK_TIMEOUT);
            checkState(
                    startupWait != null && !startupWait.isNegative(),
                    "startup wait must be zero (one check) or positive, e.g."
                            + " setStartupWait(Duration.ofMinutes(5))");
        }

        /** The producer settings: explicit size limit and no compression unless overridden. */
        Properties producerConfig() {
            Properties props = new Properties();
            props.setProperty(
                    ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                    Integer.toString(DEFAULT_MAX_REQUEST_SIZE));
            props.setProperty(ProducerConfig.COMPRESSION_TYPE_CONFIG, "none");
            if (deliveryGuarantee == DeliveryGuarantee.EXACTLY_ONCE) {
                props.setProperty(
                        ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, DEFAULT_TRANSACTION_TIMEOUT_MS);
            }
            props.putAll(properties.asMap());
            return props;
        }

        /**
         * The serializer with the record limit: the smallest of max.request.size, buffer.memory and
         * the topic's max.message.bytes; with compression, a fifth less, as compressing data that
         * does not compress can make it larger than the producer counted.
         */
        DeadLetterSerializer serializer(Properties producer, DeadLetterTopic checked) {
            long limit = Math.min(producerLimit(producer), checked.maxMessageBytes());
            if (!"none".equals(producer.getProperty(ProducerConfig.COMPRESSION_TYPE_CONFIG))) {
                limit -= limit / 5;
            }
            checkState(
                    limit >= DeadLetterSerializer.MIN_RECORD_LIMIT,
                    "dead letters to '%s' would have to fit in %s bytes (the smallest of the"
                            + " producer's max.request.size and buffer.memory and the topic's"
                            + " max.message.bytes %s), too few for their headers: raise them to"
                            + " at least %s",
                    topic,
                    limit,
                    checked.maxMessageBytes(),
                    DeadLetterSerializer.MIN_RECORD_LIMIT);
            return new DeadLetterSerializer(topic, (int) limit, maxPayloadBytes);
        }

        /** The largest record the producer sends: max.request.size, at most buffer.memory. */
        private static long producerLimit(Properties producer) {
            return Math.min(
                    longSetting(
                            producer,
                            ProducerConfig.MAX_REQUEST_SIZE_CONFIG,
                            DEFAULT_MAX_REQUEST_SIZE),
                    longSetting(
                            producer, ProducerConfig.BUFFER_MEMORY_CONFIG, DEFAULT_BUFFER_MEMORY));
        }

        private static long longSetting(Properties p, String key, long fallback) {
            String v = p.getProperty(key);
            if (v == null) {
                return fallback;
            }
            try {
                return Long.parseLong(v.trim());
            } catch (NumberFormatException e) {
                throw new IllegalStateException(
                        "producer property '" + key + "' is not a whole number of bytes", e);
            }
        }
    }
}
