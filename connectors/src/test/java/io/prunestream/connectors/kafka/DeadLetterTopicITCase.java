package io.prunestream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.connectors.record.RejectReason;
import io.prunestream.testing.LocalKafkaBroker;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AccessControlEntry;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourcePattern;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dead-letter topic on a real broker (with an ACL authorizer): a topic the job could not write
 * to fails {@link DeadLetterSink.Builder#build()} with a message naming it and the fix; the limits
 * read from the topic make every cut dead letter acceptable to the broker.
 */
class DeadLetterTopicITCase {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);

    @TempDir static Path work;
    private static LocalKafkaBroker kafka;

    @BeforeAll
    static void startKafka() throws Exception {
        kafka =
                LocalKafkaBroker.start(
                        work,
                        LocalKafkaBroker.DEFAULT_START_TIMEOUT,
                        Map.of(
                                "authorizer.class.name",
                                "org.apache.kafka.metadata.authorizer.StandardAuthorizer",
                                // no ACL on a resource = allowed, so only the denied topic differs
                                "allow.everyone.if.no.acl.found",
                                "true"));
        kafka.createTopic("dlq-small", 1, Map.of("max.message.bytes", "65536"));
        kafka.createTopic("dlq-large", 2, Map.of("max.message.bytes", "8388608"));
        kafka.createTopic("dlq-min-isr", 1, Map.of("min.insync.replicas", "2"));
        kafka.createTopic("dlq-denied", 1);
        ResourcePattern denied =
                new ResourcePattern(ResourceType.TOPIC, "dlq-denied", PatternType.LITERAL);
        kafka.admin()
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

    @AfterAll
    static void stopKafka() {
        if (kafka != null) {
            kafka.close();
        }
    }

    private static DeadLetterSink.Builder sink(String topic) {
        return DeadLetterSink.builder()
                .setBootstrapServers(kafka.bootstrapServers())
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

    @Test
    void theTopicLimitsAreRead() {
        DeadLetterTopic small =
                DeadLetterTopic.check(kafka.bootstrapServers(), "dlq-small", Map.of(), TIMEOUT);
        DeadLetterTopic large =
                DeadLetterTopic.check(kafka.bootstrapServers(), "dlq-large", Map.of(), TIMEOUT);

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
                                    kafka.bootstrapServers(), topic, Map.of(), TIMEOUT));
            producer.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers());
            producer.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            producer.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
            producer.remove(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG);
            try (KafkaProducer<byte[], byte[]> p = new KafkaProducer<>(producer)) {
                for (DeadLetter d : letters) {
                    p.send(serializer.serialize(d, null, null)).get(30, TimeUnit.SECONDS);
                }
            }
            List<ConsumerRecord<byte[], byte[]>> back = readAll(topic, letters.size());
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

    private static List<ConsumerRecord<byte[], byte[]>> readAll(String topic, int expected) {
        Map<String, Object> config =
                Map.of(
                        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                        kafka.bootstrapServers(),
                        ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                        "read_committed",
                        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                        ByteArrayDeserializer.class,
                        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                        ByteArrayDeserializer.class);
        List<ConsumerRecord<byte[], byte[]>> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> c = new KafkaConsumer<>(config)) {
            List<TopicPartition> parts =
                    c.partitionsFor(topic).stream()
                            .map(i -> new TopicPartition(topic, i.partition()))
                            .toList();
            c.assign(parts);
            c.seekToBeginning(parts);
            Map<TopicPartition, Long> end = c.endOffsets(parts);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (System.nanoTime() < deadline
                    && parts.stream().anyMatch(tp -> c.position(tp) < end.get(tp))) {
                c.poll(Duration.ofMillis(200)).forEach(out::add);
            }
        }
        return out;
    }

    private static String header(ConsumerRecord<byte[], byte[]> r, String name) {
        Header h = r.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
