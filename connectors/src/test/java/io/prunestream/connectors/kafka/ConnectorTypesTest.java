package io.prunestream.connectors.kafka;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.connectors.record.SampleBatch;
import org.apache.flink.api.common.functions.MapFunction;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.java.typeutils.GenericTypeInfo;
import org.apache.flink.api.java.typeutils.TypeExtractor;
import org.junit.jupiter.api.Test;

/** Flink's type extraction must find our serializers, never Kryo's generic fallback. */
class ConnectorTypesTest {

    @Test
    void typeExtractionUsesTheAnnotatedFactories() {
        assertThat(TypeInformation.of(SampleBatch.class)).isSameAs(ConnectorTypes.SAMPLE_BATCH);
        assertThat(TypeInformation.of(DeadLetter.class)).isSameAs(ConnectorTypes.DEAD_LETTER);
        assertThat(TypeInformation.of(IngestedRecord.class))
                .isSameAs(ConnectorTypes.INGESTED_RECORD);
        assertThat(TypeInformation.of(SampleBatch.class)).isNotInstanceOf(GenericTypeInfo.class);
    }

    @Test
    void aUserFunctionReturningABatchGetsOurType() {
        MapFunction<IngestedRecord, SampleBatch> toBatch =
                new MapFunction<>() {
                    @Override
                    public SampleBatch map(IngestedRecord r) {
                        return r.batch();
                    }
                };

        TypeInformation<SampleBatch> t =
                TypeExtractor.getMapReturnTypes(toBatch, ConnectorTypes.INGESTED_RECORD);

        assertThat(t).isSameAs(ConnectorTypes.SAMPLE_BATCH);
    }
}
