package io.prunestream.apps.experiment;

import java.util.ArrayList;
import java.util.List;

/**
 * Training to convergence, shared by the base and the converged fine-tune: learning-rate stages,
 * each until the validation accuracy plateaus, within a step cap. A stage ends when none of its
 * last {@code patience} evaluations beats the best earlier evaluation of the stage by more than
 * {@code minGain}; training ends when the last stage ends or at {@code maxSteps}.
 *
 * <p>Feed it one evaluation at a time ({@link #evaluated}); it says whether to go on in the same
 * stage, move to the next one, or stop.
 */
final class PlateauRule {

    /** What to do after an evaluation. */
    enum Next {
        SAME_STAGE,
        NEXT_STAGE,
        STOP
    }

    private final int stages;
    private final int patience;
    private final double minGain;
    private final long maxSteps;
    private final List<Double> curve = new ArrayList<>();
    private final List<Integer> perStage = new ArrayList<>();
    private List<Double> stage = new ArrayList<>();
    private boolean hitCap;

    PlateauRule(int stages, int patience, double minGain, long maxSteps) {
        this.stages = stages;
        this.patience = patience;
        this.minGain = minGain;
        this.maxSteps = maxSteps;
    }

    /** The validation accuracy after {@code steps} steps in all; what to do next. */
    Next evaluated(double accuracy, long steps) {
        stage.add(accuracy);
        curve.add(accuracy);
        hitCap = steps >= maxSteps;
        boolean plateau = plateaued(stage, patience, minGain);
        if (plateau || hitCap) {
            perStage.add(stage.size());
            stage = new ArrayList<>();
            if (hitCap || perStage.size() == stages) {
                return Next.STOP;
            }
            return Next.NEXT_STAGE;
        }
        return Next.SAME_STAGE;
    }

    /** The stage now running, from 0. */
    int stage() {
        return perStage.size();
    }

    /** Every evaluation so far, in order. */
    List<Double> curve() {
        return List.copyOf(curve);
    }

    /** Evaluations of each finished stage. */
    List<Integer> evaluationsPerStage() {
        return List.copyOf(perStage);
    }

    /** Whether training stopped at the cap rather than at the last stage's plateau. */
    boolean hitCap() {
        return hitCap;
    }

    /**
     * True when none of the last {@code patience} evaluations beats the best earlier evaluation by
     * more than {@code minGain}.
     */
    static boolean plateaued(List<Double> stage, int patience, double minGain) {
        if (stage.size() <= patience) {
            return false;
        }
        double before = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < stage.size() - patience; i++) {
            before = Math.max(before, stage.get(i));
        }
        double recent = Double.NEGATIVE_INFINITY;
        for (int i = stage.size() - patience; i < stage.size(); i++) {
            recent = Math.max(recent, stage.get(i));
        }
        return recent - before <= minGain;
    }
}
