package io.prunestream.job.operators;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.prunestream.connectors.kafka.IngestedRecord;
import io.prunestream.connectors.record.SampleBatch;
import io.prunestream.core.train.HeldOutSet;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.config.JobSettings;
import io.prunestream.job.model.Samples;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.flink.streaming.api.operators.StreamFlatMap;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.OneInputStreamOperatorTestHarness;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * data.normalize reaches what the runs train on (the fan-out) and the held-out set they are
 * evaluated on alike: the same values, worked out by hand, for uint8 and float32 samples.
 */
class NormalizedFeaturesTest {
    @TempDir Path tmp;

    // 2 channels x 1 x 2: channel 0 is (x - 0.2) / 0.5, channel 1 is (x - 1) / 4
    private JobSettings settings(String eval) {
        return JobConfig.checkedSettings(
                JobConfig.fromYaml(
                        """
                        prune.runs: a
                        data.sample-shape: 2,1,2
                        data.normalize: 0.2,1/0.5,4
                        eval.dataset: %s
                        """
                                .formatted(eval)));
    }

    private static float[] trainedOn(JobSettings s, SampleBatch b) throws Exception {
        try (var h =
                new OneInputStreamOperatorTestHarness<>(
                        new StreamFlatMap<>(new FanOutToRuns(s.runIds(), 128, s.features())),
                        128,
                        1,
                        0)) {
            h.open();
            h.processElement(IngestedRecord.accepted(b, "samples", 0, 0, 0, null), 0);
            List<Samples> out = new ArrayList<>();
            for (Object o : h.getOutput()) {
                if (o instanceof StreamRecord<?> r && r.getValue() instanceof Samples x) {
                    out.add(x);
                }
            }
            assertThat(out).hasSize(1);
            return out.get(0).features;
        }
    }

    @Test
    void float32SamplesAreNormalisedAlikeForTrainingAndEvaluation() throws Exception {
        float[] x = {0.2f, 0.7f, 1f, 9f, 0.7f, 0.2f, 5f, -3f};
        float[] expected = {0f, 1f, 0f, 2f, 1f, 0f, 1f, -1f};
        Path csv = tmp.resolve("held-out.csv");
        Files.writeString(csv, "a,b,c,d,label\n0.2,0.7,1,9,1\n0.7,0.2,5,-3,0\n");
        JobSettings s = settings("csv:" + csv);

        float[] train =
                trainedOn(
                        s, SampleBatch.ofFloat32(new int[] {2, 1, 2}, new int[] {1, 0}, x.clone()));
        HeldOutSet eval = HeldOut.load(s);

        assertThat(train).containsExactly(expected, within(1e-6f));
        assertThat(eval.features()).containsExactly(expected, within(1e-6f));
        assertThat(eval.labels()).containsExactly(1, 0);
    }

    @Test
    void uint8SamplesAreScaledFirst() throws Exception {
        // 51 / 255 = 0.2 and 255 / 255 = 1 in channel 0; 0 and 255 in channel 1
        SampleBatch b =
                SampleBatch.ofUint8(
                        new int[] {2, 1, 2},
                        new int[] {3},
                        new byte[] {51, (byte) 255, 0, (byte) 255});
        float[] train = trainedOn(settings("none"), b);
        // (0.2 - 0.2) / 0.5 = 0, (1 - 0.2) / 0.5 = 1.6, (0 - 1) / 4 = -0.25, (1 - 1) / 4 = 0
        assertThat(train).containsExactly(new float[] {0f, 1.6f, -0.25f, 0f}, within(1e-6f));
    }
}
