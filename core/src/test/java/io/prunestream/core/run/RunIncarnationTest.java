package io.prunestream.core.run;

import static io.prunestream.core.run.PruningRunGuardTest.batch;
import static io.prunestream.core.run.PruningRunGuardTest.settings;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * A run's incarnation: new for every run created from scratch, kept by restores (state format 3),
 * written in every version it publishes; state of formats 1 and 2 reads with none.
 */
class RunIncarnationTest {

    @Test
    void aRunCreatedFromScratchIsANewIncarnationThatRestoresKeep() {
        PruningRun a = PruningRun.create(settings(GuardSettings.DEFAULTS), null);
        PruningRun b = PruningRun.create(settings(GuardSettings.DEFAULTS), null);
        assertThat(a.incarnation()).isNotBlank().isNotEqualTo(b.incarnation());

        a.step(batch(0, 1), null);
        RunState saved = RunState.CODEC.fromBytes(RunState.CODEC.toBytes(a.snapshot()));
        PruningRun restored = PruningRun.restore(settings(GuardSettings.DEFAULTS), saved, null);
        assertThat(restored.incarnation()).isEqualTo(a.incarnation());

        ModelVersion v = restored.publish(null, false).version();
        assertThat(v.report().incarnation()).isEqualTo(a.incarnation());
        assertThat(v.incarnation()).isEqualTo(a.incarnation());
    }

    @Test
    void stateOfFormatsTwoAndThreeRead() {
        PruningRun run = PruningRun.create(settings(GuardSettings.DEFAULTS), null);
        run.step(batch(0, 1), null);
        RunState s = run.snapshot();
        byte[] v4 = RunState.CODEC.toBytes(s);
        // version 3 = version 4 of a run without window, prequential scores or cycles, less
        // their three absent-flags; version 2 = version 3 without the incarnation (a UTF string)
        byte[] v3 = Arrays.copyOf(v4, v4.length - 3);
        v3[0] = 3;
        RunState three = RunState.CODEC.fromBytes(v3);
        assertThat(three.incarnation()).isEqualTo(s.incarnation());
        assertThat(three.cycles()).isNull();
        assertThat(three.window()).isNull();
        byte[] v2 = Arrays.copyOf(v3, v3.length - (2 + s.incarnation().length()));
        v2[0] = 2;
        RunState old = RunState.CODEC.fromBytes(v2);
        assertThat(old.incarnation()).isEqualTo(RunState.UNKNOWN_INCARNATION);
        assertThat(old.guard()).isEqualTo(s.guard());
        assertThat(old.trainer().steps()).isEqualTo(1);
        assertThat(old.nextVersion()).isEqualTo(s.nextVersion());
    }
}
