package io.prunestream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.flink.api.connector.source.Boundedness;
import org.apache.flink.connector.base.DeliveryGuarantee;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.junit.jupiter.api.Test;

/** Every missing or bad setting fails in build() with a message naming the setter. */
class BuildersTest {

    private static TrainingSource.Builder source() {
        return TrainingSource.builder()
                .setBootstrapServers("localhost:9092")
                .setTopics("fashion-mnist")
                .setGroupId("g")
                .setExpectedSampleShape(1, 28, 28)
                .setClasses(10);
    }

    @Test
    void sourceBuildsBoundedOrUnbounded() {
        KafkaSource<IngestedRecord> unbounded = source().build();
        KafkaSource<IngestedRecord> bounded = source().setBounded(true).build();

        assertThat(unbounded.getBoundedness()).isEqualTo(Boundedness.CONTINUOUS_UNBOUNDED);
        assertThat(bounded.getBoundedness()).isEqualTo(Boundedness.BOUNDED);
    }

    @Test
    void sourceNamesTheMissingSetting() {
        assertThatThrownBy(() -> source().setBootstrapServers(" ").build())
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("call setBootstrapServers(");
        assertThatThrownBy(() -> source().setTopics().build())
                .hasMessageContaining("no topics are set: call setTopics(");
        assertThatThrownBy(() -> source().setTopics("a", "").build())
                .hasMessageContaining("topics [a, ] contain a blank name");
        assertThatThrownBy(() -> source().setGroupId(null).build())
                .hasMessageContaining("call setGroupId(");
        assertThatThrownBy(() -> source().setExpectedSampleShape((int[]) null).build())
                .hasMessageContaining("call setExpectedSampleShape(1, 28, 28)");
        assertThatThrownBy(() -> source().setExpectedSampleShape(1, 0, 28).build())
                .hasMessageContaining("has a dim below 1")
                .hasMessageContaining("fix setExpectedSampleShape");
        assertThatThrownBy(() -> source().setClasses(0).build())
                .hasMessageContaining("classes is 0: call setClasses(n) with n >= 1");
        assertThatThrownBy(() -> source().setProperty("group.id", "x"))
                .hasMessageContaining("property 'group.id' has its own setter");
    }

    @Test
    void startingOffsetsParseFromConfigurationText() {
        assertThat(TrainingSource.StartingOffsets.parse("committed-or-earliest"))
                .isEqualTo(TrainingSource.StartingOffsets.COMMITTED_OR_EARLIEST);
        assertThat(TrainingSource.StartingOffsets.parse(" Latest "))
                .isEqualTo(TrainingSource.StartingOffsets.LATEST);
        assertThatThrownBy(() -> TrainingSource.StartingOffsets.parse("newest"))
                .hasMessageContaining("use earliest, latest or committed-or-earliest");
    }

    @Test
    void sinkNeedsATopicAndATransactionalIdForExactlyOnce() {
        DeadLetterSink.Builder ok =
                DeadLetterSink.builder().setBootstrapServers("localhost:9092").setTopic("dlq");
        assertThat(ok.build()).isNotNull();

        assertThatThrownBy(() -> DeadLetterSink.builder().setTopic("dlq").build())
                .hasMessageContaining("call setBootstrapServers(");
        assertThatThrownBy(
                        () ->
                                DeadLetterSink.builder()
                                        .setBootstrapServers("localhost:9092")
                                        .build())
                .hasMessageContaining("dead-letter topic is not set: call setTopic(");
        assertThatThrownBy(() -> ok.setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE).build())
                .hasMessageContaining("EXACTLY_ONCE needs a transactional id prefix")
                .hasMessageContaining("setTransactionalIdPrefix(");
        assertThat(
                        ok.setDeliveryGuarantee(DeliveryGuarantee.EXACTLY_ONCE)
                                .setTransactionalIdPrefix("prunestream-dlq")
                                .build())
                .isNotNull();
        assertThatThrownBy(() -> ok.setProperty("transactional.id", "x"))
                .hasMessageContaining("use setBootstrapServers/setTransactionalIdPrefix");
    }
}
