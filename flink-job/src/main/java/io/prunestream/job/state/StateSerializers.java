package io.prunestream.job.state;

import io.prunestream.connectors.typeinfo.CodecSerializer;
import io.prunestream.connectors.typeinfo.ImmutableTypeInfo;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.Publication;
import io.prunestream.core.run.RunState;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.schedule.ScheduleState;
import io.prunestream.core.state.Codec;
import io.prunestream.job.model.Samples;
import io.prunestream.job.operators.RunPlacement;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** The serializers and type information of core's state and output values. */
public final class StateSerializers {
    private StateSerializers() {}

    /** A run's state: network, updater state, plan, counters. */
    public static final class RunStateSerializer extends CodecSerializer<RunState> {
        private static final long serialVersionUID = 1L;

        @Override
        public Codec<RunState> codec() {
            return RunState.CODEC;
        }

        @Override
        public RunState createInstance() {
            return null;
        }
    }

    /** Where a run's schedule stands. */
    public static final class ScheduleStateSerializer extends CodecSerializer<ScheduleState> {
        private static final long serialVersionUID = 1L;

        @Override
        public Codec<ScheduleState> codec() {
            return ScheduleState.CODEC;
        }

        @Override
        public ScheduleState createInstance() {
            return new ScheduleState(0, Phase.TRAIN, 0, 0, 0, false, false);
        }
    }

    /** A published model version (its report as JSON). */
    public static final class ModelVersionSerializer extends CodecSerializer<ModelVersion> {
        private static final long serialVersionUID = 1L;

        @Override
        public Codec<ModelVersion> codec() {
            return ModelVersion.CODEC;
        }

        @Override
        public ModelVersion createInstance() {
            return null;
        }
    }

    /** A model version with its network, on its way to the folder sink. */
    public static final class PublicationSerializer extends CodecSerializer<Publication> {
        private static final long serialVersionUID = 1L;

        @Override
        public Codec<Publication> codec() {
            return Publication.CODEC;
        }

        @Override
        public Publication createInstance() {
            return null;
        }
    }

    /** The run placement: run id → routing key. */
    public static final class PlacementSerializer extends CodecSerializer<RunPlacement.Keys> {
        private static final long serialVersionUID = 1L;

        @Override
        public Codec<RunPlacement.Keys> codec() {
            return RunPlacement.KEYS_CODEC;
        }

        @Override
        public RunPlacement.Keys createInstance() {
            return null;
        }
    }

    /** Samples of a run's unfinished mini-batch. */
    public static final class SamplesSerializer extends CodecSerializer<Samples> {
        private static final long serialVersionUID = 1L;

        @Override
        public Codec<Samples> codec() {
            return Samples.CODEC;
        }

        @Override
        public Samples createInstance() {
            return null;
        }
    }

    public static final TypeInformation<RunPlacement.Keys> PLACEMENT =
            new ImmutableTypeInfo<>(RunPlacement.Keys.class, new PlacementSerializer());

    public static final TypeInformation<Samples> PENDING_SAMPLES =
            new ImmutableTypeInfo<>(Samples.class, new SamplesSerializer());

    public static final TypeInformation<Publication> PUBLICATION =
            new ImmutableTypeInfo<>(Publication.class, new PublicationSerializer());

    public static final TypeInformation<RunState> RUN_STATE =
            new ImmutableTypeInfo<>(RunState.class, new RunStateSerializer());

    public static final TypeInformation<ScheduleState> SCHEDULE_STATE =
            new ImmutableTypeInfo<>(ScheduleState.class, new ScheduleStateSerializer());

    public static final TypeInformation<ModelVersion> MODEL_VERSION =
            new ImmutableTypeInfo<>(ModelVersion.class, new ModelVersionSerializer());
}
