package io.prunestream.connectors.record;

import io.prunestream.connectors.typeinfo.ImmutableTypeInfo;
import java.lang.reflect.Type;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInfoFactory;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/**
 * Flink type information of {@link SampleBatch}. The class carries {@code @TypeInfo} naming the
 * factory here, so Flink's type extraction finds it without help; the constant serves places that
 * ask for a {@code TypeInformation} explicitly.
 */
public final class RecordTypes {
    public static final TypeInformation<SampleBatch> SAMPLE_BATCH =
            new ImmutableTypeInfo<>(SampleBatch.class, SampleBatchTypeSerializer.INSTANCE);

    private RecordTypes() {}

    /** Named by {@code @TypeInfo} on {@link SampleBatch}. */
    public static final class SampleBatchFactory extends TypeInfoFactory<SampleBatch> {
        @Override
        public TypeInformation<SampleBatch> createTypeInfo(
                Type t, Map<String, TypeInformation<?>> genericParameters) {
            return SAMPLE_BATCH;
        }
    }
}
