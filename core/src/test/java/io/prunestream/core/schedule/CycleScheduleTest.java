package io.prunestream.core.schedule;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A pruning cycle's timeline, checked against values worked out by hand. */
class CycleScheduleTest {

    @Test
    void greg1CycleByHand() {
        // the run's warm-up (600) is not a cycle's: K_u=2, dl=0.25, tau=1 -> updates at 0,2,4,6,8
        // (0.25 .. 1.25), STABILIZE at 10, K_s=3 -> PRUNE at 13; fine-tune 5 -> judged after 18
        CycleSchedule c = CycleSchedule.of(new GReg1(600, 2, 0.25, 1.0, 3, 1.0), 5);
        assertThat(c.pruneAt()).isEqualTo(13);
        assertThat(c.decisionAt()).isEqualTo(18);
        assertThat(c.at(0).phase()).isEqualTo(Phase.REGULARIZE);
        assertThat(c.at(0).pick()).isTrue();
        assertThat(c.at(0).lambdaPruned()).isEqualTo(0.25);
        assertThat(c.at(1).pick()).isFalse();
        assertThat(c.at(3).lambdaPruned()).isEqualTo(0.5);
        assertThat(c.at(9).lambdaPruned()).isEqualTo(1.25);
        assertThat(c.at(10).phase()).isEqualTo(Phase.STABILIZE);
        assertThat(c.at(12).lambdaPruned()).isEqualTo(1.25);
        assertThat(c.at(13).phase()).isEqualTo(Phase.PRUNE);
        assertThat(c.at(13).prune()).isTrue();
        assertThat(c.at(14).phase()).isEqualTo(Phase.FINETUNE);
        assertThat(c.at(17).lambdaPruned()).isZero();
    }

    @Test
    void aCycleStartedLaterIsTheSameTimelineShifted() {
        CycleSchedule c = CycleSchedule.of(new GReg1(0, 2, 0.25, 1.0, 3, 1.0), 5);
        for (long k = 0; k < c.decisionAt(); k++) {
            ScheduleState early = c.at(k);
            ScheduleState late = c.at(1000, 1000 + k);
            assertThat(late.iteration()).isEqualTo(1000 + k);
            assertThat(late.phase()).isEqualTo(early.phase());
            assertThat(late.lambdaPruned()).isEqualTo(early.lambdaPruned());
            assertThat(late.lambdaKept()).isEqualTo(early.lambdaKept());
            assertThat(late.pick()).isEqualTo(early.pick());
            assertThat(late.prune()).isEqualTo(early.prune());
        }
    }

    @Test
    void greg2CycleByHand() {
        // as PenaltyScheduleTest.greg2ByHand with its warm-up of 0: PICK at 6, PRUNE at 16
        CycleSchedule c = CycleSchedule.of(new GReg2(50, 2, 0.1, 0.3, -0.05, 0.25, 1.0, 2, 1.0), 3);
        assertThat(c.at(6).phase()).isEqualTo(Phase.PICK);
        assertThat(c.at(6).lambdaKept()).isEqualTo(-0.05);
        assertThat(c.pruneAt()).isEqualTo(16);
        assertThat(c.decisionAt()).isEqualTo(19);
    }

    @Test
    void onlyGrowingSchedulesMakeCycles() {
        assertThatThrownBy(() -> CycleSchedule.of(new OneShotL1(10), 5))
                .hasMessageContaining("use greg1 or greg2");
        assertThatThrownBy(() -> CycleSchedule.of(new NoPruning(), 5))
                .hasMessageContaining("use greg1 or greg2");
        assertThatThrownBy(() -> CycleSchedule.of(new GReg1(0, 1, 0.5, 1.0, 0, 1.0), 0))
                .hasMessageContaining("cycle fine-tuning steps");
    }
}
