package io.prunestream.connectors.kafka;

import io.prunestream.connectors.record.RecordValidator;
import io.prunestream.connectors.record.Validation;
import java.util.Objects;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns every Kafka record into exactly one {@link IngestedRecord}: the decoded batch when the
 * value passes the {@link RecordValidator}, a {@link DeadLetter} otherwise. It never throws on bad
 * bytes and never drops a record, so a poison message cannot stop the job or vanish unseen.
 */
public final class TrainingRecordDeserializer
        implements KafkaRecordDeserializationSchema<IngestedRecord> {
    private static final long serialVersionUID = 1L;

    private final RecordValidator validator;

    public TrainingRecordDeserializer(RecordValidator validator) {
        this.validator = Objects.requireNonNull(validator, "validator");
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<IngestedRecord> out) {
        out.collect(toIngested(record));
    }

    /** The one output for {@code record}. */
    public IngestedRecord toIngested(ConsumerRecord<byte[], byte[]> record) {
        Validation v = validator.validate(record.value());
        if (v.isOk()) {
            return IngestedRecord.accepted(
                    v.batch(),
                    record.topic(),
                    record.partition(),
                    record.offset(),
                    record.timestamp(),
                    record.key());
        }
        return IngestedRecord.rejected(
                new DeadLetter(
                        record.key(),
                        record.value(),
                        record.topic(),
                        record.partition(),
                        record.offset(),
                        record.timestamp(),
                        v.reason(),
                        v.detail()));
    }

    @Override
    public TypeInformation<IngestedRecord> getProducedType() {
        return ConnectorTypes.INGESTED_RECORD;
    }
}
