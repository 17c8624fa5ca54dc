package io.prunestream.core.schedule;

import java.util.Map;

/**
 * One-shot pruning, the paper's Table 1 baseline: train {@code warmup} iterations, then pick the
 * least important groups and remove them before the next step, then fine-tune.
 *
 * @param warmup iterations before the prune (the PRUNE iteration)
 */
public record OneShotL1(long warmup) implements PruningSchedule {

    public OneShotL1 {
        PruningSchedule.check(warmup >= 0, "warm-up iterations", warmup, "use 0 or more");
    }

    @Override
    public PruningMethod method() {
        return PruningMethod.ONESHOT_L1;
    }

    @Override
    public OneShotL1 withWarmup(long w) {
        return new OneShotL1(w);
    }

    @Override
    public Timeline timeline() {
        return new Timeline(-1, 0, 0, -1, -1, warmup);
    }

    @Override
    public ScheduleState at(long t) {
        NoPruning.check(t);
        if (t < warmup) {
            return ScheduleState.plain(t, Phase.TRAIN);
        }
        if (t == warmup) {
            return new ScheduleState(t, Phase.PRUNE, 0, 0, 0, true, true);
        }
        return ScheduleState.plain(t, Phase.FINETUNE);
    }

    @Override
    public Map<String, Object> parameters() {
        return Map.of("warmup", warmup);
    }
}
