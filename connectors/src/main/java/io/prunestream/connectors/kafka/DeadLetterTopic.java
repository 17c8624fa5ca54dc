package io.prunestream.connectors.kafka;

import java.time.Duration;
import java.util.List;
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
        try (Admin admin = Admin.create(p)) {
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
