package io.prunestream.connectors.kafka;

import io.prunestream.connectors.record.RecordTypes;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.connectors.typeinfo.ImmutableTypeInfo;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Flink type information of the connectors' values. {@link DeadLetter} and {@link IngestedRecord}
 * carry {@code @TypeInfo} pointing at the factories here ({@link SampleBatch} at {@link
 * RecordTypes}), so Flink's type extraction finds them without help; the constants serve places
 * that ask for a {@code TypeInformation} explicitly ({@code OutputTag}, state descriptors).
 */
public final class ConnectorTypes {
    public static final TypeInformation<SampleBatch> SAMPLE_BATCH = RecordTypes.SAMPLE_BATCH;

    public static final TypeInformation<DeadLetter> DEAD_LETTER =
            new ImmutableTypeInfo<>(DeadLetter.class, DeadLetterTypeSerializer.INSTANCE);

    public static final TypeInformation<IngestedRecord> INGESTED_RECORD =
            new ImmutableTypeInfo<>(IngestedRecord.class, IngestedRecordTypeSerializer.INSTANCE);

    private ConnectorTypes() {}

    /** Named by {@code @TypeInfo} on {@link DeadLetter}. */
    public static final class DeadLetterFactory extends TypeInfoFactory<DeadLetter> {
        @Override
        public TypeInformation<DeadLetter> createTypeInfo(
                Type t, Map<String, TypeInformation<?>> genericParameters) {
            return DEAD_LETTER;
        }
    }

    /** Named by {@code @TypeInfo} on {@link IngestedRecord}. */
    public static final class IngestedRecordFactory extends TypeInfoFactory<IngestedRecord> {
        @Override
        public TypeInformation<IngestedRecord> createTypeInfo(
                Type t, Map<String, TypeInformation<?>> genericParameters) {
            return INGESTED_RECORD;
        }
    }
}
