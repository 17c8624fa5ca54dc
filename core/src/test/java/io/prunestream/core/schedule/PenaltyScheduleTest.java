package io.prunestream.core.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Lambda values and phase-change iterations checked against values worked out by hand. */
class PenaltyScheduleTest {

    /** Walks the schedule with next() from iteration 0, as a stream operator does. */
    private static List<ScheduleState> walk(PruningSchedule c, int n) {
        List<ScheduleState> out = new ArrayList<>();
        ScheduleState s = c.initial();
        for (int i = 0; i < n; i++) {
            out.add(s);
            s = c.next(s);
        }
        return out;
    }

    @Test
    void greg1ByHand() {
        // W=4, K_u=2, dl=0.25, tau=1, K_s=3:
        // updates at 4,6,8,10,12 -> lambda 0.25,0.5,0.75,1.0,1.25; 1.25 > 1 stops growth (n*=5)
        // STABILIZE at 4 + 5*2 = 14; PRUNE at 14 + 3 = 17; FINETUNE from 18
        GReg1 c = new GReg1(4, 2, 0.25, 1.0, 3, 1.0);
        List<ScheduleState> s = walk(c, 20);
        for (int t = 0; t < 4; t++) {
            assertThat(s.get(t).phase()).isEqualTo(Phase.TRAIN);
            assertThat(s.get(t).lambdaPruned()).isZero();
        }
        assertThat(s.get(4).pick()).isTrue();
        assertThat(s.get(5).pick()).isFalse();
        double[] expected = {0.25, 0.25, 0.5, 0.5, 0.75, 0.75, 1.0, 1.0, 1.25, 1.25};
        for (int t = 4; t < 14; t++) {
            assertThat(s.get(t).phase()).as("t=%d", t).isEqualTo(Phase.REGULARIZE);
            assertThat(s.get(t).lambdaPruned()).as("t=%d", t).isEqualTo(expected[t - 4]);
            assertThat(s.get(t).lambdaKept()).isZero();
        }
        assertThat(s.get(12).updates()).isEqualTo(5);
        for (int t = 14; t < 17; t++) {
            assertThat(s.get(t).phase()).isEqualTo(Phase.STABILIZE);
            assertThat(s.get(t).lambdaPruned()).isEqualTo(1.25);
        }
        assertThat(s.get(17).phase()).isEqualTo(Phase.PRUNE);
        assertThat(s.get(17).prune()).isTrue();
        assertThat(s.get(17).lambdaPruned()).isZero();
        assertThat(s.get(18).phase()).isEqualTo(Phase.FINETUNE);
        assertThat(s.get(18).prune()).isFalse();
        assertThat(c.timeline()).isEqualTo(new Timeline(4, 5, 0, -1, 14, 17));
    }

    @Test
    void greg1AuthorsDefaults() {
        // tau/dl = 10000 updates reach exactly 1.0, which is not > 1.0: 10001 updates
        PruningSchedule c = PruningMethod.GREG1.schedule(ScheduleParams.AUTHORS);
        Timeline t = c.timeline();
        assertThat(t.growthUpdates()).isEqualTo(10_001);
        assertThat(t.stabilizeStart()).isEqualTo(50_005);
        assertThat(t.pruneIteration()).isEqualTo(90_005);
        assertThat(c.at(5 * 9_999).lambdaPruned()).isEqualTo(1.0);
        assertThat(c.at(5 * 10_000).lambdaPruned()).isEqualTo(1.0001);
        // after k updates lambda = k * dl: k = 3 at t = 10..14
        assertThat(c.at(14).lambdaPruned()).isEqualTo(3e-4);
    }

    @Test
    void greg2ByHand() {
        // W=0, K_u=2; uniform: dl_pick=0.1 until >= tau'=0.3: updates at 0,2,4 (3 of them)
        // PICK at 6 (lambda_pruned stays 0.3, kept -> recover -0.05)
        // push dl=0.25 at 8,10,12: 0.55, 0.8, 1.05 > tau=1 -> j*=3; STABILIZE at 6+(3+1)*2 = 14
        // K_s=2 -> PRUNE at 16
        GReg2 c = new GReg2(0, 2, 0.1, 0.3, -0.05, 0.25, 1.0, 2, 1.0);
        List<ScheduleState> s = walk(c, 18);
        double[] uniform = {0.1, 0.1, 0.2, 0.2, 0.3, 0.3};
        for (int t = 0; t < 6; t++) {
            assertThat(s.get(t).phase()).isEqualTo(Phase.REGULARIZE);
            assertThat(s.get(t).lambdaPruned()).as("t=%d", t).isEqualTo(uniform[t]);
            assertThat(s.get(t).lambdaKept()).as("t=%d", t).isEqualTo(uniform[t]);
            assertThat(s.get(t).pick()).isFalse();
        }
        assertThat(s.get(6).phase()).isEqualTo(Phase.PICK);
        assertThat(s.get(6).pick()).isTrue();
        assertThat(s.get(6).lambdaPruned()).isEqualTo(0.3);
        assertThat(s.get(6).lambdaKept()).isEqualTo(-0.05);
        double[] push = {0.3, 0.55, 0.55, 0.8, 0.8, 1.05, 1.05};
        for (int t = 7; t < 14; t++) {
            assertThat(s.get(t).phase()).as("t=%d", t).isEqualTo(Phase.REGULARIZE);
            assertThat(s.get(t).lambdaPruned()).as("t=%d", t).isEqualTo(push[t - 7]);
            assertThat(s.get(t).lambdaKept()).isEqualTo(-0.05);
        }
        assertThat(s.get(14).phase()).isEqualTo(Phase.STABILIZE);
        assertThat(s.get(15).phase()).isEqualTo(Phase.STABILIZE);
        assertThat(s.get(15).lambdaPruned()).isEqualTo(1.05);
        assertThat(s.get(16).phase()).isEqualTo(Phase.PRUNE);
        assertThat(s.get(17).phase()).isEqualTo(Phase.FINETUNE);
        assertThat(c.timeline()).isEqualTo(new Timeline(0, 3, 3, 6, 14, 16));
    }

    @Test
    void greg2AuthorsDefaults() {
        // 1e-2 / 1e-5 = 1000 uniform updates; pick at 1000*5; push from 0.01 by 1e-4 until > 1:
        // 0.01 + j*1e-4 > 1 <=> j > 9900 -> 9901; STABILIZE at 5000 + 9902*5 = 54510
        Timeline t = PruningMethod.GREG2.schedule(ScheduleParams.AUTHORS).timeline();
        assertThat(t.pickUpdates()).isEqualTo(1000);
        assertThat(t.pickIteration()).isEqualTo(5000);
        assertThat(t.growthUpdates()).isEqualTo(9901);
        assertThat(t.stabilizeStart()).isEqualTo(54_510);
        assertThat(t.pruneIteration()).isEqualTo(94_510);
    }

    @Test
    void oneShotAndNone() {
        PruningSchedule one =
                PruningMethod.ONESHOT_L1.schedule(ScheduleParams.AUTHORS.withWarmup(3));
        assertThat(one).isEqualTo(new OneShotL1(3));
        assertThat(one.at(2).phase()).isEqualTo(Phase.TRAIN);
        ScheduleState p = one.at(3);
        assertThat(p.phase()).isEqualTo(Phase.PRUNE);
        assertThat(p.pick()).isTrue();
        assertThat(p.prune()).isTrue();
        assertThat(one.at(4).phase()).isEqualTo(Phase.FINETUNE);
        PruningSchedule none = PruningMethod.NONE.schedule(ScheduleParams.AUTHORS);
        assertThat(none.at(1_000_000).phase()).isEqualTo(Phase.TRAIN);
        assertThat(none.timeline().prunes()).isFalse();
    }

    @Test
    void stateRoundTripsAndRejectsOtherVersions() {
        ScheduleState s = new ScheduleState(17, Phase.PICK, 0.3, -1e-4, 3, true, false);
        assertThat(ScheduleState.CODEC.fromBytes(ScheduleState.CODEC.toBytes(s))).isEqualTo(s);
        byte[] b = ScheduleState.CODEC.toBytes(s);
        b[0] = 9;
        assertThatThrownBy(() -> ScheduleState.CODEC.fromBytes(b))
                .hasMessageContaining("version 9");
    }

    @Test
    void invalidConfigNamesTheField() {
        // the authors' parameters with tau' = 2.0, above tau = 1.0
        assertThatThrownBy(
                        () ->
                                PruningMethod.GREG2.schedule(
                                        new ScheduleParams(
                                                0, 5, 1e-4, 1.0, 40_000, 1e-5, 2.0, -1e-4, 1.0)))
                .hasMessageContaining("tau'")
                .hasMessageContaining("2.0");
        assertThatThrownBy(
                        () ->
                                PruningMethod.GREG1.schedule(
                                        ScheduleParams.AUTHORS.withGrowth(0, 1e-4, 1.0, 40_000)))
                .hasMessageContaining("K_u");
        assertThatThrownBy(
                        () -> PruningMethod.GREG1.schedule(ScheduleParams.AUTHORS.withPenalty(-1)))
                .hasMessageContaining("penalty scale");
    }

    @Test
    void penaltyScaleZeroKeepsTheTimelineWithoutPenalty() {
        // the control run: the same phases, pick and prune iterations as GReg-1, lambda 0
        GReg1 real = new GReg1(4, 2, 0.25, 1.0, 3, 1.0);
        GReg1 control = new GReg1(4, 2, 0.25, 1.0, 3, 0.0);
        assertThat(control.timeline()).isEqualTo(real.timeline());
        for (long t = 0; t < 20; t++) {
            ScheduleState a = real.at(t);
            ScheduleState b = control.at(t);
            assertThat(b.phase()).isEqualTo(a.phase());
            assertThat(b.pick()).isEqualTo(a.pick());
            assertThat(b.prune()).isEqualTo(a.prune());
            assertThat(b.lambdaPruned()).isZero();
            assertThat(b.penalized()).isFalse();
        }
        GReg2 control2 = new GReg2(0, 2, 0.1, 0.3, -0.05, 0.25, 1.0, 2, 0.0);
        assertThat(control2.at(6).pick()).isTrue();
        assertThat(control2.at(6).penalized()).isFalse();
    }
}
