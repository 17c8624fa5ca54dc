package io.prunestream.core.schedule;

import java.io.Serializable;

/**
 * One pruning cycle of a continuous run: the run's GReg schedule started afresh (no warm-up) on the
 * current network, then {@code finetune} steps of fine-tuning counted from the PRUNE step on (it
 * included), after which the cycle is judged. A pure function of the step since the cycle started,
 * like every schedule: {@code at(k)} is the state of the cycle's k-th step.
 *
 * <pre>{@code
 * CycleSchedule c = CycleSchedule.of(new GReg1(600, 1, 0.01, 1.0, 100, 1.0), 200);
 * c.at(0);        // REGULARIZE, pick: the cycle's groups are chosen before its first step
 * c.pruneAt();    // 101 + 100 = 201: the PRUNE step
 * c.decisionAt(); // 401: judged once 401 steps of the cycle are done
 * }</pre>
 *
 * @param schedule the run's schedule with warm-up 0
 * @param finetune fine-tuning steps from the PRUNE step on, before the cycle is judged (>= 1)
 */
public record CycleSchedule(PruningSchedule schedule, long finetune) implements Serializable {

    public CycleSchedule {
        PruningSchedule.check(
                schedule.timeline().prunes() && schedule.timeline().regularizeStart() >= 0,
                "schedule of a pruning cycle",
                schedule.method(),
                "use greg1 or greg2: a cycle grows a penalty before it prunes");
        PruningSchedule.check(finetune >= 1, "cycle fine-tuning steps", finetune, "use 1 or more");
        schedule = schedule.withWarmup(0);
    }

    /** The cycles of a run with schedule {@code run} (its warm-up is the run's, not a cycle's). */
    public static CycleSchedule of(PruningSchedule run, long finetune) {
        return new CycleSchedule(run, finetune);
    }

    /** The cycle's step (from 0) that prunes. */
    public long pruneAt() {
        return schedule.timeline().pruneIteration();
    }

    /** Steps of the cycle after which it is judged: its PRUNE step plus {@code finetune}. */
    public long decisionAt() {
        return pruneAt() + finetune;
    }

    /** The state of the cycle's step {@code k} (0-based), its iteration being {@code k}. */
    public ScheduleState at(long k) {
        return schedule.at(k);
    }

    /** The state of the run's iteration {@code t} in a cycle that started at {@code start}. */
    public ScheduleState at(long start, long t) {
        ScheduleState s = schedule.at(t - start);
        return new ScheduleState(
                t, s.phase(), s.lambdaPruned(), s.lambdaKept(), s.updates(), s.pick(), s.prune());
    }
}
