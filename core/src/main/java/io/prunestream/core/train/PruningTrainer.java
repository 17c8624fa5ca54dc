package io.prunestream.core.train;

import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.group.DependencyGraph;
import io.prunestream.core.group.Group;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.ParamKeys;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.penalty.PenaltyHook;
import io.prunestream.core.prune.GroupSurgery;
import io.prunestream.core.prune.Importance;
import io.prunestream.core.prune.L1Norm;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.prune.PrunePlan;
import io.prunestream.core.prune.PruneSelector;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.schedule.ScheduleState;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.api.DataSet;
import org.nd4j.linalg.exception.ND4JOpProfilerException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one pruning run step by step: applies the schedule's penalties, chooses the pruned groups
 * when the schedule says pick, removes (or masks) them when it says prune, and fine-tunes after.
 * The schedule state comes from outside - a loop, or a stream operator - so the trainer holds no
 * schedule of its own.
 *
 * <p>{@link #snapshot()} holds everything that decides the next step (parameters, updater state,
 * plan, iteration); {@link #restore} continues exactly from it. Steps use no randomness.
 *
 * <p>Long because one step has several parts that share the live network (pick, prune, penalty,
 * guarded fit, layer statistics); each part's math lives in its own class.
 */
public final class PruningTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(PruningTrainer.class);

    /** The kept/pruned magnitude ratio is the paper's: by mean |w|, whatever picks the groups. */
    private static final Importance MAGNITUDE = new L1Norm();

    private final RunSpec spec;
    private final PenaltyHook hook = new PenaltyHook();
    private final StepGuard guard = new StepGuard();
    private final NetworkCost baseCost;
    private Network net;
    private PrunePlan plan;
    // derived from the network; cached because a graph walk costs more than a small step
    private List<Group> groups;
    private Map<String, String> labels;
    private PrunePlan startPlan;
    private long steps;
    private long prunedAt = -1;
    private double ratioAtPrune = Double.NaN;
    private Map<String, Double> ratiosAtPrune = Map.of();
    private double pickOverlap = Double.NaN;
    private double appliedLambdaPruned;
    private double appliedLambdaKept;
    private LayerRatios ratios; // the spec's; a continuous run's cycle sets its own

    private PruningTrainer(RunSpec spec, Network net, NetworkCost baseCost) {
        this.spec = spec;
        this.net = net;
        this.baseCost = baseCost;
        this.ratios = spec.ratios();
        attach(net);
        // DL4J sets its JSON writing up on first use (about a second, once per JVM): here, not in
        // the pause of the first checkpoint, whose snapshot writes the configuration as JSON
        net.configurationJson();
    }

    /** The penalty first, then the guard: it checks the gradients with the penalty in them. */
    private void attach(Network net) {
        net.addListener(hook);
        net.addListener(guard);
    }

    /** A run on a freshly initialised network. */
    public static PruningTrainer create(RunSpec spec) {
        return from(spec, spec.model().build(spec.optimizer()));
    }

    /** A run that starts from a given (e.g. pre-trained) network; the network is not copied. */
    public static PruningTrainer from(RunSpec spec, Network net) {
        return new PruningTrainer(spec, net, NetworkCost.of(net));
    }

    public RunSpec spec() {
        return spec;
    }

    public Network network() {
        return net;
    }

    /** Steps done so far; the next step's iteration. */
    public long iteration() {
        return steps;
    }

    public boolean isPruned() {
        return prunedAt >= 0;
    }

    public long prunedAt() {
        return prunedAt;
    }

    public PrunePlan plan() {
        return plan;
    }

    /**
     * Smallest kept/pruned magnitude ratio over pruned layers just before pruning (NaN if none).
     */
    public double magnitudeRatioAtPrune() {
        return ratioAtPrune;
    }

    /** Kept/pruned magnitude ratio per pruned layer just before pruning. */
    public Map<String, Double> magnitudeRatiosAtPrune() {
        return ratiosAtPrune;
    }

    /** GReg-2: share of the picked groups that L1 at the start would have picked too. */
    public double pickOverlap() {
        return pickOverlap;
    }

    public NetworkCost baseCost() {
        return baseCost;
    }

    /** One training step on {@code batch} in the state the schedule gives for this iteration. */
    public StepResult step(DataSet batch, ScheduleState s) {
        return step(batch, s, true, 1.0);
    }

    /**
     * One iteration in the state the schedule gives: the schedule's actions (pick, prune) and, when
     * {@code fit}, a training step on {@code batch} at the schedule's learning rate times {@code
     * lrScale}. The step is guarded: when its loss, updated parameters or updated updater state are
     * not finite (or ND4J's NaN/Inf checks, when on, stop it), the parameters and the updater state
     * go back to what they were before it, and the result says why ({@link StepResult#rejected()}).
     * The iteration advances either way: the batch is skipped. Any other exception is a bug, not
     * bad numbers: it propagates, naming the run and the iteration.
     */
    public StepResult step(DataSet batch, ScheduleState s, boolean fit, double lrScale) {
        if (s.iteration() != steps) {
            throw new IllegalStateException(
                    "run '"
                            + spec.runId()
                            + "': schedule state is for iteration "
                            + s.iteration()
                            + " but the trainer is at iteration "
                            + steps);
        }
        long start = System.nanoTime();
        if (spec.schedule().comparesPickWithStart()
                && startPlan == null
                && s.phase() == Phase.REGULARIZE) {
            startPlan = select();
        }
        if (s.pick()) {
            plan = select();
            if (startPlan != null) {
                pickOverlap = plan.overlapWith(startPlan);
                LOG.info(
                        "run '{}' picked at iteration {}: {} ({}% overlap with L1 at start)",
                        spec.runId(), steps, plan, Math.round(pickOverlap * 100));
            }
        }
        if (s.prune()) {
            prune();
        }
        applyPenalty(s);
        double lr = spec.learningRate(s.phase(), steps, prunedAt) * lrScale;
        double loss = Double.NaN;
        StepGuard.Rejection rejected = null;
        if (fit) {
            try {
                net.setLearningRate(lr);
                guard.begin(net);
                try {
                    net.fit(batch);
                    loss = net.score();
                    rejected = guard.end(loss);
                } catch (ND4JOpProfilerException e) {
                    // thrown only by ND4J's NaN/Inf checks (when switched on): numeric, the guard's
                    LOG.warn("run '{}': step {} produced NaN/Inf", spec.runId(), steps, e);
                    rejected = StepGuard.Rejection.NON_FINITE_OP_OUTPUT;
                }
                if (rejected != null) {
                    guard.restore(net);
                }
            } catch (RuntimeException e) {
                throw new IllegalStateException(
                        "run '"
                                + spec.runId()
                                + "': the training step at iteration "
                                + steps
                                + " failed with "
                                + e
                                + "; not a numeric failure (the guard rolls back only those), so"
                                + " the task fails and restarts from its last checkpoint: see the"
                                + " cause's stack trace",
                        e);
            }
        }
        steps++;
        return new StepResult(
                s.iteration(),
                s.phase(),
                lr,
                s.lambdaPruned(),
                s.lambdaKept(),
                loss,
                s.pick(),
                s.prune(),
                fit && rejected == null ? (int) batch.getFeatures().size(0) : 0,
                System.nanoTime() - start,
                rejected == null ? null : rejected.toString());
    }

    /**
     * Switches the numeric guard on (the default) or off. Off, a step is never checked nor rolled
     * back: for benchmarks that measure what the guard costs.
     */
    public void guard(boolean on) {
        guard.enable(on);
    }

    /** Steps whose guard copied parameters and updater state (suspicious ones only). */
    long guardCopies() {
        return guard.copies();
    }

    /**
     * Starts a new pruning cycle on the current (possibly already pruned) network: the schedule
     * restarts from its first penalty step, the groups are picked again with {@code cycleRatios},
     * and the network, its updater state and the iteration count are kept.
     */
    public void startCycle(LayerRatios cycleRatios) {
        ratios = cycleRatios;
        plan = null;
        startPlan = null;
        prunedAt = -1;
        pickOverlap = Double.NaN;
        if (hook.hasPenalty()) {
            hook.clearPenalty();
        }
        appliedLambdaPruned = 0;
        appliedLambdaKept = 0;
    }

    /**
     * The ratios the current cycle picks with, set again on a trainer restored mid-cycle (they are
     * its controller's state, not the trainer's).
     */
    public void resumeCycle(LayerRatios cycleRatios) {
        ratios = cycleRatios;
    }

    /** Whether every parameter of the current network is finite. */
    public boolean isFinite() {
        return StepGuard.finite(net.params());
    }

    private PrunePlan select() {
        Importance importance = spec.importance().importance();
        return spec.granularity() == Granularity.FILTER
                ? PruneSelector.select(net, groups(), ratios, importance)
                : PruneSelector.select(net, spec.granularity(), ratios, importance);
    }

    /** The groups of the current network under the run's scope. */
    public List<Group> groups() {
        if (groups == null) {
            groups = DependencyGraph.of(net).groups(spec.groups());
        }
        return groups;
    }

    private void applyPenalty(ScheduleState s) {
        PrunePlan target = plan != null ? plan : startPlan;
        if (!s.penalized() || target == null || isPruned()) {
            if (hook.hasPenalty()) {
                hook.clearPenalty();
            }
            appliedLambdaPruned = 0;
            appliedLambdaKept = 0;
            return;
        }
        if (hook.hasPenalty()
                && s.lambdaPruned() == appliedLambdaPruned
                && s.lambdaKept() == appliedLambdaKept
                && target == plan) {
            return;
        }
        if (target.granularity() == Granularity.WEIGHT) {
            hook.setPenalty(target, s.lambdaPruned(), s.lambdaKept());
        } else {
            // PRUNED: only once the pruned set is final, so GReg-2's uniform phase leaves BN alone
            NormPenalty norms = spec.normPenalty();
            if (norms == NormPenalty.PRUNED && target != plan) {
                norms = NormPenalty.OFF;
            }
            hook.setPenalty(groups(), target, norms, s.lambdaPruned(), s.lambdaKept());
        }
        appliedLambdaPruned = s.lambdaPruned();
        appliedLambdaKept = s.lambdaKept();
    }

    private void prune() {
        if (plan == null) {
            throw new IllegalStateException(
                    "run '" + spec.runId() + "': asked to prune before any groups were picked");
        }
        Map<String, Double> ratios = new LinkedHashMap<>();
        layerStats().forEach((k, v) -> ratios.put(k, v.magnitudeRatio()));
        ratiosAtPrune = Map.copyOf(ratios);
        ratioAtPrune =
                ratios.values().stream()
                        .mapToDouble(Double::doubleValue)
                        .filter(d -> !Double.isNaN(d))
                        .min()
                        .orElse(Double.NaN);
        hook.clearPenalty();
        if (plan.granularity() == Granularity.FILTER) {
            net = GroupSurgery.apply(net, groups(), plan);
            groups = null;
            labels = null;
            attach(net);
        } else {
            hook.setMasks(net.model(), plan);
            INDArray u = net.updaterState();
            if (u != null) {
                u.assign(0); // fine-tuning starts a fresh optimizer, as the authors do
            }
        }
        prunedAt = steps;
        LOG.info(
                "run '{}' pruned at iteration {}: params {} -> {}, kept/pruned magnitude ratio {}",
                spec.runId(),
                steps,
                baseCost.params(),
                NetworkCost.of(net).params(),
                ratioAtPrune);
    }

    /** Per pruned layer: width, pruned count, kept/pruned magnitude ratio, sparsity. */
    public Map<String, LayerStats> layerStats() {
        Map<String, LayerStats> out = new LinkedHashMap<>();
        PrunePlan p = plan != null ? plan : startPlan;
        if (p == null) {
            return out;
        }
        Map<String, String> labels = labels();
        Map<String, Group> byName = new LinkedHashMap<>();
        if (p.granularity() == Granularity.FILTER && !isPruned()) {
            groups().forEach(g -> byName.put(g.name(), g));
        }
        for (Map.Entry<String, int[]> e : p.pruned().entrySet()) {
            String key = e.getKey();
            boolean filter = p.granularity() == Granularity.FILTER;
            String node = filter ? Group.nodeOf(key, labels.keySet()) : ParamKeys.node(key);
            INDArray w = net.param(filter ? ParamKeys.weight(node) : key);
            double ratio = Double.NaN;
            if (!filter) {
                ratio = keptOverPruned(MAGNITUDE.weightScores(w), e.getValue());
            } else if (!isPruned()) {
                Group g = byName.get(key);
                if (g != null && g.size() == p.sizeOf(key)) {
                    ratio = keptOverPruned(MAGNITUDE.groupScores(g, net), e.getValue());
                }
            }
            // conv weights are [out, in, kh, kw], dense weights [in, out]
            long width = w.rank() == 2 ? w.size(1) : w.size(0);
            double zeros =
                    w.length()
                            - w.neq(0)
                                    .castTo(org.nd4j.linalg.api.buffer.DataType.INT64)
                                    .sumNumber()
                                    .longValue();
            out.put(
                    labels.getOrDefault(node, node),
                    new LayerStats(
                            labels.getOrDefault(node, node),
                            p.sizeOf(key),
                            e.getValue().length,
                            width,
                            ratio,
                            zeros / w.length()));
        }
        return out;
    }

    private Map<String, String> labels() {
        if (labels == null) {
            Map<String, String> out = new LinkedHashMap<>();
            net.graph().nodes().forEach(n -> out.put(n.name(), n.label()));
            labels = out;
        }
        return labels;
    }

    /** mean score of kept / mean score of pruned (per-group scores share a size, so L1 works). */
    static double keptOverPruned(double[] score, int[] pruned) {
        boolean[] gone = new boolean[score.length];
        double sp = 0;
        for (int i : pruned) {
            gone[i] = true;
            sp += score[i];
        }
        double sk = 0;
        for (int i = 0; i < score.length; i++) {
            if (!gone[i]) {
                sk += score[i];
            }
        }
        double meanKept = sk / (score.length - pruned.length);
        double meanPruned = sp / pruned.length;
        return meanKept / meanPruned;
    }

    /** Everything needed to continue exactly. */
    public TrainerState snapshot() {
        return new TrainerState(
                steps,
                prunedAt,
                ratioAtPrune,
                ratiosAtPrune,
                pickOverlap,
                plan,
                startPlan,
                baseCost,
                net.isGraph(),
                net.snapshotBytes());
    }

    public static PruningTrainer restore(RunSpec spec, TrainerState s) {
        Network net = Network.fromBytes(s.network(), s.graph(), spec.model().input());
        PruningTrainer t = new PruningTrainer(spec, net, s.baseCost());
        t.steps = s.steps();
        t.prunedAt = s.prunedAt();
        t.ratioAtPrune = s.ratioAtPrune();
        t.ratiosAtPrune = Map.copyOf(s.ratiosAtPrune());
        t.pickOverlap = s.pickOverlap();
        t.plan = s.plan();
        t.startPlan = s.startPlan();
        if (t.isPruned() && t.plan.granularity() == Granularity.WEIGHT) {
            t.hook.setMasks(net.model(), t.plan);
        }
        return t;
    }
}
