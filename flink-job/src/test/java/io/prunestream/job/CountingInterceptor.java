package io.prunestream.job;

import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.clients.consumer.ConsumerInterceptor;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerInterceptor;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * A Kafka client interceptor (Kafka's plug-in point, {@code interceptor.classes}) that counts the
 * records consumers delivered and producers sent in this JVM. It reaches the job's clients only
 * through {@code kafka.properties.*}, so its counts also prove that pass-through.
 */
public class CountingInterceptor
        implements ConsumerInterceptor<byte[], byte[]>, ProducerInterceptor<byte[], byte[]> {
    private static final AtomicLong CONSUMED = new AtomicLong();
    private static final AtomicLong SENT = new AtomicLong();

    static void reset() {
        CONSUMED.set(0);
        SENT.set(0);
    }

    static long consumed() {
        return CONSUMED.get();
    }

    static long sent() {
        return SENT.get();
    }

    @Override
    public ConsumerRecords<byte[], byte[]> onConsume(ConsumerRecords<byte[], byte[]> records) {
        CONSUMED.addAndGet(records.count());
        return records;
    }

    @Override
    public ProducerRecord<byte[], byte[]> onSend(ProducerRecord<byte[], byte[]> record) {
        SENT.incrementAndGet();
        return record;
    }

    @Override
    public void onAcknowledgement(RecordMetadata metadata, Exception exception) {}

    @Override
    public void onCommit(Map<TopicPartition, OffsetAndMetadata> offsets) {}

    @Override
    public void configure(Map<String, ?> configs) {}

    @Override
    public void close() {}
}
