package io.prunestream.core.run;

import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.prune.CyclePick;
import io.prunestream.core.run.CycleState.Stage;
import io.prunestream.core.run.CycleStatus.Decision;
import io.prunestream.core.run.CycleStatus.Kind;
import io.prunestream.core.schedule.CycleSchedule;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.schedule.ScheduleState;
import io.prunestream.core.store.PruningReport;
import io.prunestream.core.train.PruningTrainer;
import io.prunestream.core.train.TrainerState;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A continuous run's policy (README, "Continuous pruning"): when the next pruning cycle starts,
 * whether a finished cycle is kept or rolled back, and when drift pauses the cycles. {@link
 * PruningRun} stays the one loop: before each step it asks {@link #scheduleAt} for the step's
 * schedule state, after it {@link #afterStep} decides and says what it decided. Each cycle's λ
 * timeline is {@link CycleSchedule}'s pure function of the steps since the cycle started.
 */
final class CycleController {
    private static final Logger LOG = LoggerFactory.getLogger(CycleController.class);

    private final RunSettings settings;
    private final CycleSettings c;
    private final CycleSchedule schedule;
    private CycleState state;

    CycleController(RunSettings settings, CycleState state) {
        this.settings = settings;
        this.c = settings.cycles();
        this.schedule = CycleSchedule.of(settings.spec().schedule(), c.finetune());
        this.state = state;
    }

    CycleState state() {
        return state;
    }

    CycleSchedule schedule() {
        return schedule;
    }

    /** Gives a restored trainer the current cycle's ratios back. */
    void resume(PruningTrainer t) {
        if (state.stage() == Stage.CYCLE) {
            t.resumeCycle(state.pick().ratios());
        }
    }

    /** The schedule state of iteration {@code t}: plain training outside cycles. */
    ScheduleState scheduleAt(long t, PruningTrainer trainer) {
        return switch (state.stage()) {
            case CYCLE -> schedule.at(state.cycleStart(), t);
            case WARMUP -> plain(t, Phase.TRAIN);
            case IDLE -> plain(t, trainer.isPruned() ? Phase.FINETUNE : Phase.TRAIN);
        };
    }

    private static ScheduleState plain(long t, Phase p) {
        return new ScheduleState(t, p, 0, 0, 0, false, false);
    }

    /** What a step decided: the version it published (or null) and the decisions. */
    record Outcome(Publication publication, List<Decision> decisions) {}

    /**
     * Decides before the step of iteration {@code t}: once the warm-up is done and the held-out
     * data is there, the reference is measured, published as cycle 0, and cycle 1 starts with this
     * step (a model file without warm-up: before its first step).
     */
    Outcome beforeStep(PruningRun run, long t) {
        List<Decision> d = new ArrayList<>();
        Publication p = null;
        if (state.stage() == Stage.WARMUP
                && t >= settings.spec().schedule().warmup()
                && run.heldOutReady()) {
            p = reference(run, t, d);
        }
        log(t, d);
        return new Outcome(p, d);
    }

    /**
     * Decides after the step that made {@code done} steps: the judgement at a cycle's end, drift
     * and periodic versions between cycles. {@code accuracy} is the held-out accuracy if the step
     * evaluated, else null; {@code already} the version published before the step, if any (one
     * version per step).
     */
    Outcome afterStep(PruningRun run, long done, Double accuracy, Publication already) {
        List<Decision> d = new ArrayList<>();
        Publication p = null;
        switch (state.stage()) {
            case WARMUP -> {}
            case CYCLE -> {
                if (done - state.cycleStart() == schedule.decisionAt()) {
                    p = judge(run, done, d);
                }
            }
            case IDLE -> {
                if (accuracy != null) {
                    watchDrift(run, done, accuracy, d);
                }
                if (state.stage() == Stage.IDLE && !state.drift() && already == null) {
                    p = periodic(run, done);
                }
            }
        }
        log(done - 1, d);
        return new Outcome(p, d);
    }

    private void log(long iteration, List<Decision> d) {
        for (Decision x : d) {
            LOG.info("run '{}' at iteration {}: {}", settings.id(), iteration, x.text());
        }
    }

    /** The warm-up is over: the reference is measured, published as cycle 0, cycle 1 starts. */
    private Publication reference(PruningRun run, long t, List<Decision> d) {
        double ref = run.evaluateNow();
        run.baseAccuracyIs(ref);
        state = withReference(ref);
        d.add(
                new Decision(
                        Kind.REFERENCE,
                        String.format(
                                Locale.ROOT,
                                "reference accuracy %s on %s; budget %.2f points: no version"
                                        + " below %s",
                                pct(ref),
                                run.heldOutDescription(),
                                c.budget(),
                                pct(ref - c.budgetShare()))));
        Publication p = publish(run, state.keptCycle(), ref, null);
        startNext(run, t, d);
        return p;
    }

    /** A cycle's fine-tuning is done: keep its network, or roll it back. */
    private Publication judge(PruningRun run, long done, List<Decision> d) {
        double a = run.evaluateNow();
        double floor = state.reference() - c.budgetShare();
        NetworkCost cost = run.cost();
        int cycle = state.cycle();
        TrainerState before = state.rollback();
        if (a >= floor) {
            state = endCycle(cycle, 0);
            d.add(
                    new Decision(
                            Kind.CYCLE_KEPT,
                            String.format(
                                    Locale.ROOT,
                                    "cycle %d kept: accuracy %s (floor %s), FLOPs x%.2f, %d"
                                            + " params",
                                    cycle,
                                    pct(a),
                                    pct(floor),
                                    run.flopsSpeedup(),
                                    cost.params())));
            Publication p = publish(run, cycle, a, null);
            startNext(run, done, d);
            return p;
        }
        var broken = new PruningReport.RolledBack(cycle, cost.flops(), cost.params(), a);
        run.restoreTrainer(before);
        state = endCycle(state.keptCycle(), state.breaches() + 1);
        double r = run.evaluateNow();
        d.add(
                new Decision(
                        Kind.ROLLED_BACK,
                        String.format(
                                Locale.ROOT,
                                "cycle %d rolled back: accuracy %s is below the floor %s (FLOPs"
                                        + " x%.2f); the network from before it is back, at %s",
                                cycle,
                                pct(a),
                                pct(floor),
                                (double) run.trainer().baseCost().flops() / broken.flops(),
                                pct(r))));
        PruningReport.Lineage last = state.published();
        if (r < floor && last != null && r < last.accuracy() - c.budgetShare()) {
            // the network that was within budget is not any more: the data moved, not the pruning
            state = withBreaches(state.breaches() - 1);
            startDrift(last, r, run.prequentialAccuracy(), d);
            return null;
        }
        Publication p = r >= floor ? publish(run, state.keptCycle(), r, broken) : null;
        breach(run, done, d);
        return p;
    }

    /** After a rolled-back cycle: stop, or try again with half the step. */
    private void breach(PruningRun run, long done, List<Decision> d) {
        if (c.onBreach() == CycleSettings.OnBreach.STOP) {
            stop("prune.cycle.on-breach is stop", d);
        } else if (state.breaches() >= c.maxTries()) {
            stop(state.breaches() + " cycles in a row broke the budget (prune.cycle.max-tries)", d);
        } else {
            state = withStep(state.step() / 2);
            startNext(run, done, d);
        }
    }

    /** Starts the next cycle unless a target is reached, nothing is left, or drift pauses it. */
    private void startNext(PruningRun run, long done, List<Decision> d) {
        if (state.drift() || !state.stopped().isEmpty()) {
            return;
        }
        PruningTrainer t = run.trainer();
        double speedup = run.flopsSpeedup();
        if (c.targetFlops() > 0 && speedup >= c.targetFlops()) {
            stop(
                    String.format(
                            Locale.ROOT,
                            "FLOPs speed-up x%.2f reached prune.target.flops x%.2f",
                            speedup,
                            c.targetFlops()),
                    d);
            return;
        }
        var limits = settings.spec().ratios();
        var base = t.baseCost().widths();
        double removed = CyclePick.removedShare(t.groups(), limits, base);
        if (c.targetRatio() > 0 && removed >= c.targetRatio()) {
            stop(
                    String.format(
                            Locale.ROOT,
                            "%.1f %% of the prunable groups removed: prune.target.ratio %.2f"
                                    + " reached",
                            100 * removed,
                            c.targetRatio()),
                    d);
            return;
        }
        CyclePick pick = CyclePick.next(t.groups(), limits, base, state.step(), c.targetRatio());
        if (pick.isEmpty()) {
            stop("every prunable layer is at its prune.ratios limit", d);
            return;
        }
        TrainerState before = t.snapshot();
        t.startCycle(pick.ratios());
        state =
                state.edit()
                        .stage(Stage.CYCLE)
                        .cycle(state.cycle() + 1)
                        .cycleStart(done)
                        .drift(false, 0)
                        .stopped("")
                        .cycle(pick, before)
                        .done();
        d.add(
                new Decision(
                        Kind.CYCLE_STARTED,
                        String.format(
                                Locale.ROOT,
                                "cycle %d starts: %d units of %d layers (step %.3g of what is"
                                        + " left), judged after %d steps",
                                state.cycle(),
                                pick.total(),
                                pick.remove().size(),
                                state.step(),
                                schedule.decisionAt())));
    }

    /** Between cycles: drift when accuracy falls more than the budget below its published level. */
    private void watchDrift(PruningRun run, long done, double accuracy, List<Decision> d) {
        PruningReport.Lineage last = state.published();
        if (last == null) {
            return;
        }
        double preq = run.prequentialAccuracy();
        boolean below =
                accuracy < last.accuracy() - c.budgetShare()
                        || (last.prequential() != null
                                && !Double.isNaN(preq)
                                && preq < last.prequential() - c.budgetShare());
        if (!state.drift()) {
            int streak = below ? state.streak() + 1 : 0;
            state = withDrift(false, streak);
            if (streak >= c.driftConfirm()) {
                startDrift(last, accuracy, preq, d);
            }
            return;
        }
        int recovered = below ? 0 : state.streak() + 1;
        state = withDrift(true, recovered);
        if (recovered >= c.driftRecovery()) {
            state = withDrift(false, 0);
            d.add(
                    new Decision(
                            Kind.DRIFT_RECOVERED,
                            String.format(
                                    Locale.ROOT,
                                    "accuracy %s is back within budget of %s for %d"
                                            + " evaluations: %s",
                                    pct(accuracy),
                                    pct(last.accuracy()),
                                    recovered,
                                    state.stopped().isEmpty()
                                            ? "cycles resume"
                                            : "versions are published again")));
            startNext(run, done, d);
        }
    }

    private void startDrift(
            PruningReport.Lineage last, double accuracy, double preq, List<Decision> d) {
        state = withDrift(true, 0);
        d.add(
                new Decision(
                        Kind.DRIFT,
                        String.format(
                                Locale.ROOT,
                                "drift: held-out accuracy %s, prequential %s, against %s and %s at"
                                        + " the last published version (budget %.2f points):"
                                        + " the data moved; no cycle starts and the current"
                                        + " network trains on until accuracy is back within"
                                        + " budget for %d evaluations",
                                pct(accuracy),
                                pct(preq),
                                pct(last.accuracy()),
                                last.prequential() == null ? "-" : pct(last.prequential()),
                                c.budget(),
                                c.driftRecovery())));
    }

    /** A periodic version between cycles, only within budget. */
    private Publication periodic(PruningRun run, long done) {
        long every = settings.publishInterval();
        if (every <= 0 || done - 1 - run.publishedIteration() < every) {
            return null;
        }
        double a = run.evaluateNow();
        if (!(a >= state.reference() - c.budgetShare())) {
            LOG.info(
                    "run '{}': no periodic version at iteration {}: accuracy {} is below the"
                            + " floor {}",
                    settings.id(),
                    done - 1,
                    pct(a),
                    pct(state.reference() - c.budgetShare()));
            return null;
        }
        return publish(run, state.keptCycle(), a, null);
    }

    /**
     * The version a stream's end leaves: the current network outside a cycle, the one from before
     * it inside (a cycle not yet judged is dropped); none when it breaks the budget.
     */
    Publication last(PruningRun run) {
        if (state.stage() == Stage.CYCLE) {
            LOG.info(
                    "run '{}': the stream ended inside cycle {}: its last version is the network"
                            + " from before that cycle",
                    settings.id(),
                    state.cycle());
            run.restoreTrainer(state.rollback());
            state = endCycle(state.keptCycle(), state.breaches());
        }
        if (state.stage() == Stage.WARMUP) {
            run.evaluateNow();
            return run.publishMeasured(true, null); // no reference yet: nothing to judge by
        }
        if (run.publishedIteration() == run.iteration() - 1 && state.published() != null) {
            return run.publishMeasured(true, state.published());
        }
        double a = run.evaluateNow();
        if (!(a >= state.reference() - c.budgetShare())) {
            LOG.warn(
                    "run '{}' ends with accuracy {}, below its floor {}: no final version (its"
                            + " last published one stays current)",
                    settings.id(),
                    pct(a),
                    pct(state.reference() - c.budgetShare()));
            return null;
        }
        return publishLineage(run, state.keptCycle(), a, null, true);
    }

    private Publication publish(
            PruningRun run, int cycle, double accuracy, PruningReport.RolledBack from) {
        return publishLineage(run, cycle, accuracy, from, false);
    }

    private Publication publishLineage(
            PruningRun run,
            int cycle,
            double accuracy,
            PruningReport.RolledBack from,
            boolean last) {
        NetworkCost cost = run.cost();
        double preq = run.prequentialAccuracy();
        PruningReport.Lineage l =
                new PruningReport.Lineage(
                        cycle,
                        cost.flops(),
                        cost.params(),
                        accuracy,
                        Double.isNaN(preq) ? null : preq,
                        state.reference(),
                        c.budget(),
                        from);
        Publication p = run.publishMeasured(last, l);
        if (p != null) {
            state = withPublished(l);
        }
        return p;
    }

    /** The status after a step, for its event. */
    CycleStatus status(List<Decision> decisions) {
        return new CycleStatus(
                state.cycle(),
                state.stage(),
                state.drift(),
                state.reference(),
                c.budget(),
                decisions);
    }

    private void stop(String why, List<Decision> d) {
        state = state.edit().stage(Stage.IDLE).stopped(why).cycle(CycleState.NO_PICK, null).done();
        d.add(new Decision(Kind.STOPPED, "no further cycle: " + why));
    }

    private CycleState endCycle(int kept, int breaches) {
        return state.edit()
                .stage(Stage.IDLE)
                .keptCycle(kept)
                .breaches(breaches)
                .cycle(CycleState.NO_PICK, null)
                .done();
    }

    private CycleState withReference(double ref) {
        return state.edit().reference(ref).done();
    }

    private CycleState withStep(double step) {
        return state.edit().step(step).done();
    }

    private CycleState withBreaches(int breaches) {
        return state.edit().breaches(breaches).done();
    }

    private CycleState withDrift(boolean drift, int recovered) {
        return state.edit().drift(drift, recovered).done();
    }

    private CycleState withPublished(PruningReport.Lineage l) {
        // a new level to watch: drift counts from here
        return state.edit()
                .drift(state.drift(), state.drift() ? state.streak() : 0)
                .published(l)
                .done();
    }

    static String pct(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f %%", 100 * v);
    }
}
