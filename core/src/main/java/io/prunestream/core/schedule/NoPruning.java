package io.prunestream.core.schedule;

import java.util.Map;

/** Plain training: every iteration is TRAIN, nothing is pruned. */
public record NoPruning() implements PruningSchedule {

    @Override
    public PruningMethod method() {
        return PruningMethod.NONE;
    }

    @Override
    public long warmup() {
        return 0;
    }

    @Override
    public NoPruning withWarmup(long w) {
        return this;
    }

    @Override
    public Timeline timeline() {
        return new Timeline(-1, 0, 0, -1, -1, -1);
    }

    @Override
    public ScheduleState at(long t) {
        check(t);
        return ScheduleState.plain(t, Phase.TRAIN);
    }

    static void check(long t) {
        if (t < 0) {
            throw new IllegalArgumentException("iteration must be >= 0, got " + t);
        }
    }

    @Override
    public Map<String, Object> parameters() {
        return Map.of();
    }
}
