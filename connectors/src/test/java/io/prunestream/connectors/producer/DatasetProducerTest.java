package io.prunestream.connectors.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.connectors.record.DType;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.nn.InputShape;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;

/**
 * The producer's settings and checks, without a broker: every bad value fails before connecting.
 * (Its command line is {@code ./prunestream produce}, tested in apps.)
 */
class DatasetProducerTest {

    @Test
    void missingRequiredSettingsNameTheSetter() {
        assertThatThrownBy(() -> ProducerSettings.builder().setTopic("t").build())
                .hasMessageContaining("bootstrap servers are not set")
                .hasMessageContaining("setBootstrapServers");
        assertThatThrownBy(
                        () ->
                                ProducerSettings.builder()
                                        .setBootstrapServers("localhost:9092")
                                        .build())
                .hasMessageContaining("topic is not set")
                .hasMessageContaining("setTopic");
    }

    @Test
    void badValuesSayWhatIsExpected() {
        ProducerSettings.Builder b =
                ProducerSettings.builder().setBootstrapServers("localhost:9092").setTopic("t");
        assertThatThrownBy(() -> b.setLimit(0).build())
                .hasMessageContaining("limit is 0, expected >= 1");
        b.setLimit(10);
        assertThatThrownBy(() -> b.setRate(-5).build()).hasMessageContaining("rate is -5.0");
        b.setRate(0);
        assertThatThrownBy(() -> b.setSamplesPerRecord(70_000).build())
                .hasMessageContaining("samples per record is 70000, expected 1..65535");
    }

    /**
     * 2000 float32 28x28 samples: 13 bytes of fixed header + 3 x 4 of dimensions + 2000 x (4 + 784
     * x 4) of labels and values = 6,280,025 bytes, over 1 MiB; (1,048,576 - 13 - 12) / 3140 = 333
     * samples fit.
     */
    @Test
    void recordsOverMaxRequestSizeAreRefusedBeforeConnecting() {
        LabelledImages data =
                new LabelledImages(
                        "synthetic",
                        new InputShape(1, 28, 28),
                        10,
                        new byte[2000 * 784],
                        new int[2000]);
        ProducerSettings s =
                ProducerSettings.builder()
                        .setBootstrapServers("127.0.0.1:1")
                        .setTopic("t")
                        .setSamplesPerRecord(2000)
                        .setDtype(DType.FLOAT32)
                        .build();

        assertThatThrownBy(() -> DatasetProducer.produce(s, data, p -> {}))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("makes records of 6,280,025 bytes")
                .hasMessageContaining("max.request.size of 1,048,576")
                .hasMessageContaining("use at most 333 samples per record or dtype uint8");
    }

    @Test
    void producerPropertiesAreIdempotentLz4AndUserOverridable() {
        Properties p =
                DatasetProducer.kafkaProperties(
                        ProducerSettings.builder()
                                .setBootstrapServers("localhost:9092")
                                .setTopic("t")
                                .setProperty("linger.ms", "100")
                                .build());

        assertThat(p)
                .containsEntry("enable.idempotence", "true")
                .containsEntry("acks", "all")
                .containsEntry("compression.type", "lz4")
                .containsEntry("linger.ms", "100");
        assertThatThrownBy(() -> ProducerSettings.builder().setProperty("bootstrap.servers", "x"))
                .hasMessageContaining("use setBootstrapServers");
    }

    @Test
    void progressGivesRateAndTimeLeft() {
        Progress p = new Progress(30_000, 60_000, 30_000, Duration.ofSeconds(2));

        assertThat(p.fraction()).isEqualTo(0.5);
        assertThat(p.samplesPerSecond()).isEqualTo(15_000);
        assertThat(p.eta()).isEqualTo(Duration.ofSeconds(2));
        assertThat(p.isDone()).isFalse();
        assertThat(new Progress(60_000, 60_000, 60_000, Duration.ofSeconds(4)).isDone()).isTrue();
        assertThat(new Progress(0, 10, 0, Duration.ZERO).eta()).isNull();
    }
}
