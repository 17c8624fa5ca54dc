package io.prunestream.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalKafkaBrokerITCase {

    @Test
    void startsServesAndStopsARealBroker(@TempDir Path work) throws Exception {
        long t0 = System.nanoTime();
        LocalKafkaBroker kafka = LocalKafkaBroker.start(work);
        long started = System.nanoTime();
        try {
            assertThat(kafka.bootstrapServers()).startsWith("127.0.0.1:");
            kafka.createTopic("greetings", 3);
            assertThatThrownBy(() -> kafka.createTopic("greetings", 3))
                    .hasMessageContaining("cannot create topic 'greetings'")
                    .hasMessageContaining("already exists");

            try (KafkaProducer<String, String> p =
                    new KafkaProducer<>(
                            Map.of(
                                    ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    kafka.bootstrapServers(),
                                    ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
                                    StringSerializer.class,
                                    ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
                                    StringSerializer.class))) {
                p.send(new ProducerRecord<>("greetings", 2, "k", "hello"))
                        .get(30, TimeUnit.SECONDS);
            }
            try (KafkaConsumer<String, String> c =
                    new KafkaConsumer<>(
                            Map.of(
                                    ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                                    kafka.bootstrapServers(),
                                    ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                                    StringDeserializer.class,
                                    ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                                    StringDeserializer.class))) {
                TopicPartition tp = new TopicPartition("greetings", 2);
                c.assign(List.of(tp));
                c.seekToBeginning(List.of(tp));
                ConsumerRecords<String, String> got = ConsumerRecords.empty();
                for (int i = 0; i < 20 && got.isEmpty(); i++) {
                    got = c.poll(Duration.ofMillis(500));
                }
                assertThat(got.count()).isEqualTo(1);
                assertThat(got.iterator().next().value()).isEqualTo("hello");
            }
        } finally {
            long closing = System.nanoTime();
            kafka.close();
            System.err.printf(
                    "local broker: start %.1f s, use %.1f s, close %.1f s%n",
                    (started - t0) / 1e9,
                    (closing - started) / 1e9,
                    (System.nanoTime() - closing) / 1e9);
        }
        assertThat(kafka.isRunning()).isFalse();
        assertThat(work.resolve("kafka-data")).doesNotExist();
        assertThat(Files.readString(kafka.logFile(), StandardCharsets.UTF_8))
                .contains("Kafka Server started");
        kafka.close(); // twice is fine
    }

    @Test
    void saysWhatToAddWhenKafkaIsNotOnTheClassPath() throws Exception {
        try (URLClassLoader empty = new URLClassLoader(new URL[0], null)) {
            assertThatThrownBy(() -> LocalKafkaBroker.checkKafkaOnClassPath(empty))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageContaining("kafka.Kafka is missing")
                    .hasMessageContaining("org.apache.kafka:kafka_2.13:4.2.0");
        }
    }
}
