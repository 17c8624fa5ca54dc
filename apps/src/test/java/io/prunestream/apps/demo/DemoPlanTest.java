package io.prunestream.apps.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.run.RunSettings;
import io.prunestream.core.schedule.CycleSchedule;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.config.JobSettings;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The demo's configuration as the job reads it: three runs on held-out samples of the stream, and a
 * stream long enough for the continuous run to judge at least two cycles after its reference, in
 * both sizes.
 */
class DemoPlanTest {

    @Test
    void theContinuousRunHasTimeForTwoCyclesInBothSizes() {
        for (boolean quick : new boolean[] {false, true}) {
            Demo.Plan plan = Demo.Plan.of(quick);
            JobSettings s =
                    JobConfig.checkedSettings(
                            Demo.jobConfig("localhost:9092", Path.of("out"), plan));
            assertThat(s.runIds()).containsExactly("r50", "r90", Demo.CONTINUOUS);
            assertThat(s.eval().fromStream()).isTrue();
            RunSettings r50 = s.run("r50");
            RunSettings cont = s.run(Demo.CONTINUOUS);
            assertThat(cont.continuous()).isTrue();
            assertThat(r50.continuous()).isFalse();
            // the demo streams enough for r50 to prune and fine-tune plan.finetune() steps
            long steps = r50.spec().schedule().timeline().pruneIteration() + 1 + plan.finetune();
            long cycle =
                    CycleSchedule.of(cont.spec().schedule(), cont.cycles().finetune()).decisionAt();
            long reference = plan.referenceAt(cont.spec().batchSize());
            assertThat((steps - reference) / cycle)
                    .as(
                            "cycles judged in the %s demo (%d steps, reference at %d, %d a cycle)",
                            quick ? "quick" : "default", steps, reference, cycle)
                    .isGreaterThanOrEqualTo(2);
        }
    }
}
