package io.prunestream.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.prune.PrunePlan;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.PruningMethod;
import io.prunestream.core.state.Codec;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The trainer state streams into the run state with the layout it had as an array in it (length,
 * version, fields, network), so states of earlier builds and of this one read alike.
 */
class TrainerStateBlobTest {

    @Test
    void streamedBlobIsTheArrayBlobOfEarlierBuilds() throws IOException {
        RunSpec spec = PruningTrainerTest.spec(PruningMethod.GREG1, Granularity.FILTER);
        PruningTrainer t = PruningTrainer.create(spec);
        List<DataSet> data = PruningTrainerTest.batches(8);
        for (DataSet b : data) { // past the pick and the prune: plans and ratios are filled in
            t.step(b, spec.schedule().at(t.iteration()));
        }
        TrainerState s = t.snapshot();
        assertThat(s.plan()).isNotNull();

        ByteArrayOutputStream streamed = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(streamed)) {
            TrainerState.writeBlob(out, s);
            out.writeLong(42); // what follows in the run state reads on
        }
        ByteArrayOutputStream array = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(array)) {
            Codec.writeBlob(out, TrainerState.CODEC.toBytes(s));
            out.writeLong(42);
        }
        assertThat(streamed.toByteArray()).isEqualTo(array.toByteArray());

        try (DataInputStream in =
                new DataInputStream(new ByteArrayInputStream(array.toByteArray()))) {
            TrainerState back = TrainerState.readBlob(in);
            assertThat(in.readLong()).isEqualTo(42);
            assertThat(back.steps()).isEqualTo(s.steps());
            assertThat(PrunePlan.CODEC.toBytes(back.plan()))
                    .isEqualTo(PrunePlan.CODEC.toBytes(s.plan()));
            assertThat(back.network()).isEqualTo(s.network());
            assertThat(PruningTrainer.restore(spec, back).network().params())
                    .isEqualTo(t.network().params());
        }
    }
}
