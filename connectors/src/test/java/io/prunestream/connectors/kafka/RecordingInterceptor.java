package io.prunestream.connectors.kafka;

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
 * A Kafka client interceptor (Kafka's own plug-in point, set with {@code interceptor.classes}) that
 * counts the records a client consumed or sent under the value of its {@value #TAG} property. Both
 * the interceptor and the tag reach a client only through the properties passed to our builders, so
 * a count proves the pass-through.
 */
public class RecordingInterceptor
        implements ConsumerInterceptor<byte[], byte[]>, ProducerInterceptor<byte[], byte[]> {
    static final String TAG = "prunestream.test.tag";
    static final Map<String, AtomicLong> RECORDS = new ConcurrentHashMap<>();

    private String tag;

    /** The properties that install this interceptor with {@code tag}. */
    static Map<String, String> properties(String tag) {
        return Map.of("interceptor.classes", RecordingInterceptor.class.getName(), TAG, tag);
    }

    static long records(String tag) {
        AtomicLong n = RECORDS.get(tag);
        return n == null ? 0 : n.get();
    }

    @Override
    public void configure(Map<String, ?> configs) {
        tag = String.valueOf(configs.get(TAG));
    }

    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
        RECORDS.computeIfAbsent(tag, k -> new AtomicLong()).addAndGet(records.count());
        return records;
    }

    @Override
    public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
        RECORDS.computeIfAbsent(tag, k -> new AtomicLong()).incrementAndGet();
        return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {}

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

    @Override
    public void close() {}
}
