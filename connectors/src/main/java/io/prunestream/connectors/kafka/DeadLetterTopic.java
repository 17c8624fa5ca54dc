package io.prunestream.connectors.kafka;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.DescribeTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.AuthorizationException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What the dead-letter topic takes, read from the cluster before a job starts, so that a topic the
 * job could not write to is an error at start (with the fix in its message) rather than a task that
 * fails and restarts on its first dead letter.
 *
 * <pre>{@code
 * DeadLetterTopic t = DeadLetterTopic.check("kafka:9092", "samples.dead-letters", Map.of(), timeout);
 * int limit = Math.min(t.maxMessageBytes(), maxRequestSize);
 * }</pre>
 *
 * @param topic the topic's name
 * @param partitions its partition count
 * @param maxMessageBytes the topic's {@code max.message.bytes}: the largest record batch it takes
 */
public record DeadLetterTopic(String topic, int partitions, int maxMessageBytes) {
    private static final Logger LOG = LoggerFactory.getLogger(DeadLetterTopic.class);

    /** Kafka's default {@code message.max.bytes}, used when the topic's config cannot be read. */
    static final int KAFKA_DEFAULT_MAX_MESSAGE_BYTES = 1048588;

    /**
     * The first pause of {@link #await} between two checks; it doubles up to {@link #MAX_PAUSE}.
     */
    static final Duration FIRST_PAUSE = Duration.ofSeconds(1);

    static final Duration MAX_PAUSE = Duration.ofSeconds(15);

    /**
     * {@link #check} until it passes or {@code wait} has passed, pausing 1 s, 2 s, 4 s ... (at most
     * 15 s) between checks and logging one line per failed check. For clusters that are still
     * starting when the job does (the broker's address not yet in DNS, no leader yet, the topic not
     * yet created by an operator).
     *
     * @param wait how long to keep checking; zero checks once
     * @throws IllegalStateException the last check's reason, with the number of checks made
     */
    public static DeadLetterTopic await(
            String bootstrapServers,
            String topic,
            Map<String, String> clientProperties,
            Duration checkTimeout,
            Duration wait) {
        long start = System.nanoTime();
        long deadline = start + wait.toNanos();
        Duration pause = FIRST_PAUSE;
        for (int attempt = 1; ; attempt++) {
            long left = deadline - System.nanoTime();
            Duration timeout =
                    left <= 0
                            ? checkTimeout
                            : min(checkTimeout, max(Duration.ofNanos(left), FIRST_PAUSE));
            try {
                DeadLetterTopic ready = check(bootstrapServers, topic, clientProperties, timeout);
                if (attempt > 1) {
                    LOG.info(
                            "dead-letter topic '{}' on {} is ready (check {}, after {})",
                            topic,
                            bootstrapServers,
                            attempt,
                            seconds(System.nanoTime() - start));
                }
                return ready;
            } catch (IllegalStateException e) {
                left = deadline - System.nanoTime();
                if (left <= 0 || Thread.currentThread().isInterrupted()) {
                    throw attempt == 1
                            ? e
                            : new IllegalStateException(
                                    e.getMessage()
                                            + " (still so after "
                                            + attempt
                                            + " checks in "
                                            + seconds(System.nanoTime() - start)
                                            + ")",
                                    e);
                }
                Duration sleep = min(pause, Duration.ofNanos(left));
                LOG.warn(
                        "dead-letter topic '{}' on {} not ready (check {}, {} of {}): {}; next"
                                + " check in {}",
                        topic,
                        bootstrapServers,
                        attempt,
                        seconds(System.nanoTime() - start),
                        seconds(wait.toNanos()),
                        e.getMessage(),
                        seconds(sleep.toNanos()));
                try {
                    Thread.sleep(Math.max(1, sleep.toMillis()));
                } catch (InterruptedException interrupted) {
                    Thread.currentThread().interrupt();
                    throw new IllegalStateException(
                            "interrupted while waiting for dead-letter topic '" + topic + "'", e);
                }
                pause = min(pause.multipliedBy(2), MAX_PAUSE);
            }
        }
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.0f s", nanos / 1e9);
    }

    /**
     * Checks that {@code topic} exists, that this client may write to it, and that every partition
     * has a leader and enough in-sync replicas for {@code acks=all} (idempotent and transactional
     * producers use it); reads its {@code max.message.bytes}.
     *
     * @param clientProperties extra Kafka client settings (security); their values are never shown
     * @throws IllegalStateException naming the topic, what is wrong and the fix
     */
    public static DeadLetterTopic check(
            String bootstrapServers,
            String topic,
            Map<String, String> clientProperties,
            Duration timeout) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        int ms = (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, ms);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, Math.min(ms, 30_000));
        try (Admin admin = admin(p, bootstrapServers, topic)) {
            TopicDescription d = describe(admin, bootstrapServers, topic, timeout);
            Set<AclOperation> ops = d.authorizedOperations();
            // null: the broker has no authorizer, so every client may write
            if (ops != null
                    && !ops.contains(AclOperation.WRITE)
                    && !ops.contains(AclOperation.ALL)) {
                throw new IllegalStateException(
                        "dead-letter topic '"
                                + topic
                                + "' on "
                                + bootstrapServers
                                + " exists, but this client may not write to it (allowed: "
                                + ops
                                + "): grant WRITE and DESCRIBE on the topic to the job's principal,"
                                + " or use a topic it may write to");
            }
            Config config = config(admin, topic, timeout);
            int maxMessageBytes =
                    intConfig(
                            config,
                            TopicConfig.MAX_MESSAGE_BYTES_CONFIG,
                            KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
            int minIsr = intConfig(config, TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, 1);
            for (TopicPartitionInfo part : d.partitions()) {
                if (part.leader() == null || part.leader().isEmpty()) {
                    throw new IllegalStateException(
                            "dead-letter topic '"
                                    + topic
                                    + "': partition "
                                    + part.partition()
                                    + " has no leader, so nothing can be written to it: bring its"
                                    + " brokers back, then start the job");
                }
                if (part.isr().size() < minIsr) {
                    throw new IllegalStateException(
                            "dead-letter topic '"
                                    + topic
                                    + "': partition "
                                    + part.partition()
                                    + " has "
                                    + part.isr().size()
                                    + " in-sync replicas and min.insync.replicas is "
                                    + minIsr
                                    + ", so writes with acks=all (used by idempotent and"
                                    + " transactional producers) fail: lower the topic's"
                                    + " min.insync.replicas or bring its replicas back in sync");
                }
            }
            return new DeadLetterTopic(topic, d.partitions().size(), maxMessageBytes);
        }
    }

    /**
     * A client for the cluster; one whose brokers' names do not resolve (yet: a Kubernetes service
     * that an operator has not created) fails here, as a cluster that cannot be checked.
     */
    private static Admin admin(Properties p, String servers, String topic) {
        try {
            return Admin.create(p);
        } catch (KafkaException e) {
            Throwable c = e.getCause() != null ? e.getCause() : e;
            throw new IllegalStateException(
                    "cannot check dead-letter topic '"
                            + topic
                            + "' on "
                            + servers
                            + ": "
                            + c.getMessage()
                            + "; check the bootstrap servers and the client's security settings",
                    e);
        }
    }

    private static TopicDescription describe(
            Admin admin, String servers, String topic, Duration timeout) {
        try {
            return admin.describeTopics(
                            List.of(topic),
                            new DescribeTopicsOptions().includeAuthorizedOperations(true))
                    .allTopicNames()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .get(topic);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof UnknownTopicOrPartitionException) {
                throw new IllegalStateException(
                        "dead-letter topic '"
                                + topic
                                + "' does not exist on "
                                + servers
                                + ": create it before starting the job (e.g. kafka-topics.sh"
                                + " --bootstrap-server "
                                + servers
                                + " --create --topic "
                                + topic
                                + " --partitions 1), or name an existing topic",
                        c);
            }
            if (c instanceof AuthorizationException) {
                throw new IllegalStateException(
                        "dead-letter topic '"
                                + topic
                                + "' on "
                                + servers
                                + ": this client may not describe it ("
                                + c.getMessage()
                                + "): grant DESCRIBE and WRITE on the topic to the job's principal",
                        c);
            }
            throw cannotCheck(servers, topic, timeout, c);
        } catch (TimeoutException e) {
            throw cannotCheck(servers, topic, timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(
                    "interrupted while checking dead-letter topic '" + topic + "'", e);
        }
    }

    /** The topic's config, or null when this client may not read it (the defaults then apply). */
    private static Config config(Admin admin, String topic, Duration timeout) {
        ConfigResource r = new ConfigResource(ConfigResource.Type.TOPIC, topic);
        try {
            return admin.describeConfigs(List.of(r))
                    .all()
                    .get(timeout.toMillis(), TimeUnit.MILLISECONDS)
                    .get(r);
        } catch (ExecutionException | TimeoutException e) {
            LOG.warn(
                    "cannot read the config of dead-letter topic '{}' ({}); assuming Kafka's"
                            + " defaults (max.message.bytes {}, min.insync.replicas 1)",
                    topic,
                    e.getCause() != null ? e.getCause().getMessage() : e.toString(),
                    KAFKA_DEFAULT_MAX_MESSAGE_BYTES);
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(
                    "interrupted while checking dead-letter topic '" + topic + "'", e);
        }
    }

    private static int intConfig(Config config, String name, int fallback) {
        ConfigEntry e = config == null ? null : config.get(name);
        if (e == null || e.value() == null) {
            return fallback;
        }
        try {
            return Integer.parseInt(e.value().trim());
        } catch (NumberFormatException bad) {
            return fallback;
        }
    }

    private static IllegalStateException cannotCheck(
            String servers, String topic, Duration timeout, Throwable cause) {
        boolean timedOut =
                cause instanceof TimeoutException
                        || cause instanceof org.apache.kafka.common.errors.TimeoutException;
        return new IllegalStateException(
                "cannot check dead-letter topic '"
                        + topic
                        + "' on "
                        + servers
                        + ": "
                        + (timedOut ? "no answer within " + timeout.toSeconds() + " s" : cause)
                        + "; check the bootstrap servers and the client's security settings",
                cause);
    }
}
