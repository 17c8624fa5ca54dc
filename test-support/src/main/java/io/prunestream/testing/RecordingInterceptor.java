package io.prunestream.testing;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A Kafka client interceptor (Kafka's own plug-in point, {@code interceptor.classes}) that counts,
 * per tag, the records consumers in this JVM delivered and producers sent. The interceptor and its
 * tag (the client property {@value #TAG}) reach a client only through the properties a test passes
 * to the code under test, so a count also proves that pass-through.
 */
public class RecordingInterceptor
        implements ConsumerInterceptor<byte[], byte[]>, ProducerInterceptor<byte[], byte[]> {
    /** The client property that names the counter. */
    public static final String TAG = "prunestream.test.tag";

    private static final Map<String, AtomicLong> CONSUMED = new ConcurrentHashMap<>();
    private static final Map<String, AtomicLong> SENT = new ConcurrentHashMap<>();

    private String tag;

    /** The client properties that install this interceptor, counting under {@code tag}. */
    public static Map<String, String> properties(String tag) {
        return Map.of("interceptor.classes", RecordingInterceptor.class.getName(), TAG, tag);
    }

    /** Records delivered to consumers tagged {@code tag}. */
    public static long consumed(String tag) {
        AtomicLong n = CONSUMED.get(tag);
        return n == null ? 0 : n.get();
    }

    /** Records sent by producers tagged {@code tag}. */
    public static long sent(String tag) {
        AtomicLong n = SENT.get(tag);
        return n == null ? 0 : n.get();
    }

    /** Sets both counts of {@code tag} to zero. */
    public static void reset(String tag) {
        CONSUMED.remove(tag);
        SENT.remove(tag);
    }

    @Override
    public void configure(Map<String, ?> configs) {
        tag = String.valueOf(configs.get(TAG));
    }

    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
        CONSUMED.computeIfAbsent(tag, k -> new AtomicLong()).addAndGet(records.count());
        return records;
    }

    @Override
    public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
        SENT.computeIfAbsent(tag, k -> new AtomicLong()).incrementAndGet();
        return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {}

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

    @Override
    public void close() {}
}
