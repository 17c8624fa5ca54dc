package io.prunestream.connectors.kafka;

import static io.prunestream.testing.KafkaFlinkCluster.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.connectors.record.RejectReason;
import io.prunestream.testing.KafkaFlinkCluster;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The dead-letter topic on a real broker (with an ACL authorizer): a topic the job could not write
 * to fails {@link DeadLetterSink.Builder#build()} with a message naming it and the fix; the limits
 * read from the topic make every cut dead letter acceptable to the broker.
 */
class DeadLetterTopicITCase {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @RegisterExtension
    static final KafkaFlinkCluster KAFKA =
            KafkaFlinkCluster.builder()
                    .withoutMiniCluster()
                    .brokerProperty(
                            "authorizer.class.name",
                            "org.apache.kafka.metadata.authorizer.StandardAuthorizer")
                    // no ACL on a resource = allowed, so only the denied topic differs
                    .brokerProperty("allow.everyone.if.no.acl.found", "true")
                    .build();

    @BeforeAll
    static void createTopics() throws Exception {
        KAFKA.createTopic("dlq-small", 1, Map.of("max.message.bytes", "65536"));
        KAFKA.createTopic("dlq-large", 2, Map.of("max.message.bytes", "8388608"));
        KAFKA.createTopic("dlq-min-isr", 1, Map.of("min.insync.replicas", "2"));
        KAFKA.createTopic("dlq-denied", 1);
        ResourcePattern denied =
                new ResourcePattern(ResourceType.TOPIC, "dlq-denied", PatternType.LITERAL);
        KAFKA.broker()
                .admin()
                .createAcls(
                        List.of(
                                new AclBinding(
                                        denied,
                                        new AccessControlEntry(
                                                "User:ANONYMOUS",
                                                "*",
                                                AclOperation.DESCRIBE,
                                                AclPermissionType.ALLOW)),
                                new AclBinding(
                                        denied,
                                        new AccessControlEntry(
                                                "User:ANONYMOUS",
                                                "*",
                                                AclOperation.WRITE,
                                                AclPermissionType.DENY))))
                .all()
                .get(30, TimeUnit.SECONDS);
    }

    private static DeadLetterSink.Builder sink(String topic) {
        return DeadLetterSink.builder()
                .setBootstrapServers(KAFKA.bootstrapServers())
                .setTopic(topic)
                .setTransactionalIdPrefix("dlq-it")
                .setTopicCheckTimeout(TIMEOUT);
    }

    @Test
    void aMissingTopicFailsTheBuildNamingTopicAndFix() {
        assertThatThrownBy(() -> sink("no-such-topic").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("dead-letter topic 'no-such-topic' does not exist on")
                .hasMessageContaining("--create --topic no-such-topic");
    }

    @Test
    void aTopicThisClientMayNotWriteFailsTheBuild() {
        assertThatThrownBy(() -> sink("dlq-denied").build())
                .hasMessageContaining("dead-letter topic 'dlq-denied'")
                .hasMessageContaining("may not write to it")
                .hasMessageContaining("grant WRITE");
    }

    @Test
    void tooFewInSyncReplicasForAcksAllFailTheBuild() {
        assertThatThrownBy(() -> sink("dlq-min-isr").build())
                .hasMessageContaining(
                        "partition 0 has 1 in-sync replicas and min.insync.replicas is 2");
    }

    @Test
    void anUnreachableClusterFailsTheBuildWithinTheTimeout() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        long t0 = System.nanoTime();
        assertThatThrownBy(
                        () ->
                                DeadLetterSink.builder()
                                        .setBootstrapServers("127.0.0.1:" + closedPort)
                                        .setTopic("dlq")
                                        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                                        .setTopicCheckTimeout(Duration.ofSeconds(2))
                                        .build())
                .hasMessageContaining("cannot check dead-letter topic 'dlq'")
                .hasMessageContaining("no answer within 2 s");
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(15));
    }

    /**
     * A broker whose name does not resolve yet (a Kubernetes service an operator has not created)
     * is a cluster still starting: checked again until the wait is over, then one message.
     */
    @Test
    void aBrokerNameThatDoesNotResolveIsCheckedAgainUntilTheWaitEnds() {
        assertThatThrownBy(
                        () ->
                                DeadLetterSink.builder()
                                        .setBootstrapServers("kafka-not-there-yet.invalid:9092")
                                        .setTopic("dlq")
                                        .setDeliveryGuarantee(DeliveryGuarantee.AT_LEAST_ONCE)
                                        .setTopicCheckTimeout(Duration.ofSeconds(2))
                                        .setStartupWait(Duration.ofSeconds(2))
                                        .build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining(
                        "cannot check dead-letter topic 'dlq' on kafka-not-there-yet.invalid:9092")
                .hasMessageContaining("resolvable")
                .hasMessageMatching("(?s).*still so after [2-9]\\d* checks.*");
    }

    @Test
    void theTopicLimitsAreRead() {
        DeadLetterTopic small =
                DeadLetterTopic.check(KAFKA.bootstrapServers(), "dlq-small", Map.of(), TIMEOUT);
        DeadLetterTopic large =
                DeadLetterTopic.check(KAFKA.bootstrapServers(), "dlq-large", Map.of(), TIMEOUT);

        assertThat(small).isEqualTo(new DeadLetterTopic("dlq-small", 1, 65536));
        assertThat(large).isEqualTo(new DeadLetterTopic("dlq-large", 2, 8388608));
        assertThat(sink("dlq-small").build()).isNotNull(); // the check passes for a good topic
    }

    /**
     * Every awkward dead letter, cut by the serializer the sink builds, is taken by the broker and
     * reads back with its headers: the topic limit binds on dlq-small, the producer's 1 MiB on
     * dlq-large.
     */
    @Test
    void cutDeadLettersAreTakenByTheBroker() throws Exception {
        byte[] fiveMb = random(5 * 1024 * 1024, 1);
        byte[] underProducerLimit = random(DeadLetterSink.DEFAULT_MAX_REQUEST_SIZE - 100, 2);
        byte[] hugeKey = random(2 * 1024 * 1024, 3);
        List<DeadLetter> letters =
                List.of(
                        letter(null, fiveMb, 0),
                        letter(new byte[] {1}, underProducerLimit, 1),
                        letter(hugeKey, null, 2),
                        letter(hugeKey, fiveMb, 3),
                        letter(null, null, 4),
                        letter(new byte[0], new byte[0], 5));
        for (String topic : List.of("dlq-small", "dlq-large")) {
            DeadLetterSink.Builder b = sink(topic);
            Properties producer = b.producerConfig();
            DeadLetterSerializer serializer =
                    b.serializer(
                            producer,
                            DeadLetterTopic.check(
                                    KAFKA.bootstrapServers(), topic, Map.of(), TIMEOUT));
            producer.remove(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
            Map<String, Object> overrides = new HashMap<>();
            producer.forEach((k, v) -> overrides.put((String) k, v));
            try (KafkaProducer<byte[], byte[]> p = KAFKA.producer(overrides)) {
                for (DeadLetter d : letters) {
                    p.send(serializer.serialize(d, null, null)).get(30, TimeUnit.SECONDS);
                }
            }
            List<ConsumerRecord<byte[], byte[]>> back = KAFKA.readCommitted(topic, letters.size());
            assertThat(back).hasSize(letters.size());
            for (ConsumerRecord<byte[], byte[]> r : back) {
                DeadLetter d =
                        letters.get(Integer.parseInt(header(r, "prunestream.source.offset")));
                assertThat(header(r, "prunestream.reason")).isEqualTo("LENGTH_MISMATCH");
                if (d.value() != null && r.value().length < d.value().length) {
                    assertThat(header(r, DeadLetterSerializer.HEADER_TRUNCATED)).isEqualTo("true");
                    assertThat(d.value()).startsWith(r.value());
                    assertThat(header(r, DeadLetterSerializer.HEADER_ORIGINAL_SIZE))
                            .isEqualTo(Integer.toString(d.value().length));
                    assertThat(header(r, DeadLetterSerializer.HEADER_ORIGINAL_SHA256))
                            .isEqualTo(sha256(d.value()));
                } else if (d.value() != null) {
                    assertThat(r.value()).isEqualTo(d.value());
                }
            }
            // the record just under the producer's limit fits the large topic only without headers
            ConsumerRecord<byte[], byte[]> under =
                    back.stream()
                            .filter(r -> header(r, "prunestream.source.offset").equals("1"))
                            .findFirst()
                            .orElseThrow();
            assertThat(header(under, DeadLetterSerializer.HEADER_TRUNCATED)).isEqualTo("true");
        }
    }

    private static DeadLetter letter(byte[] key, byte[] value, long offset) {
        return new DeadLetter(
                key, value, "samples", 0, offset, 1L, RejectReason.LENGTH_MISMATCH, "length");
    }

    private static byte[] random(int n, long seed) {
        byte[] b = new byte[n];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
