package io.prunestream.monitoring;

import io.prunestream.core.run.CycleState;
import io.prunestream.core.run.CycleStatus;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.train.LayerStats;
import java.util.ArrayList;
import java.util.List;

/** A small GReg-1 run, step by step, as the trainer would report it. */
public final class Events {

    private Events() {}

    /** Phase of iteration {@code i} in a run of {@code n} steps: 40% / 25% / 1 / rest. */
    public static Phase phaseAt(long i, long n) {
        long reg = n * 2 / 5;
        long stab = reg + n / 4;
        if (i < reg) {
            return Phase.REGULARIZE;
        } else if (i < stab) {
            return Phase.STABILIZE;
        } else if (i == stab) {
            return Phase.PRUNE;
        }
        return Phase.FINETUNE;
    }

    /**
     * One step of a two-layer run: λ grows by 1e-4 per step while regularizing, the magnitude ratio
     * grows 10x per tenth of the run, the layers are removed at PRUNE (ratio NaN, width halves);
     * layer stats on every other step, evaluation every 5th.
     */
    public static TrainingEvent step(String run, long i, long n) {
        Phase phase = phaseAt(i, n);
        long reg = n * 2 / 5;
        double lambda =
                switch (phase) {
                    case REGULARIZE -> 1e-4 * (i + 1);
                    case STABILIZE, PRUNE -> 1e-4 * reg;
                    default -> 0;
                };
        boolean pruned = phase == Phase.PRUNE || phase == Phase.FINETUNE;
        List<LayerStats> layers = new ArrayList<>();
        if (i % 2 == 0 || phase == Phase.PRUNE) {
            double ratio = pruned ? Double.NaN : Math.pow(10, 1 + 3.0 * i / reg);
            layers.add(new LayerStats("conv1", 16, 8, pruned ? 8 : 16, ratio, pruned ? 0 : 0.1));
            layers.add(
                    new LayerStats("conv2", 32, 16, pruned ? 16 : 32, ratio / 2, pruned ? 0 : 0.2));
        }
        return new TrainingEvent(
                run,
                "greg1",
                i,
                phase,
                2.3 / (1 + 0.05 * i),
                phase == Phase.FINETUNE ? 0.01 : 0.1,
                lambda,
                0,
                64,
                2_000_000L + i * 1000,
                pruned ? 50_000 : 100_000,
                pruned ? 2_000_000 : 5_000_000,
                layers,
                i % 5 == 4 ? 0.5 + 0.4 * i / n : null,
                1_700_000_000_000L + i * 1000,
                null,
                null,
                false,
                null,
                null);
    }

    /**
     * Step {@code i} of a continuous run: a step of {@link #step} with a prequential accuracy and
     * its cycles' status; every 7th step rolls a cycle back, the 11th notices drift (paused until
     * the 15th).
     */
    public static TrainingEvent continuous(String run, long i, long n) {
        TrainingEvent e = step(run, i, n);
        List<CycleStatus.Decision> d = new ArrayList<>();
        if (i % 7 == 6) {
            d.add(new CycleStatus.Decision(CycleStatus.Kind.ROLLED_BACK, "cycle rolled back"));
        }
        if (i == 11) {
            d.add(new CycleStatus.Decision(CycleStatus.Kind.DRIFT, "drift"));
        }
        boolean drift = i >= 11 && i < 15;
        return new TrainingEvent(
                e.runId(),
                e.method(),
                e.iteration(),
                e.phase(),
                e.loss(),
                e.learningRate(),
                e.lambdaPruned(),
                e.lambdaKept(),
                e.samples(),
                e.stepNanos(),
                e.params(),
                e.flops(),
                e.layers(),
                e.evalAccuracy(),
                e.timestampMillis(),
                null,
                null,
                false,
                0.6 + 0.3 * i / n,
                new CycleStatus(
                        (int) (1 + i / 10),
                        CycleState.Stage.CYCLE,
                        drift,
                        i < 3 ? Double.NaN : 0.9,
                        1.0,
                        d));
    }
}
