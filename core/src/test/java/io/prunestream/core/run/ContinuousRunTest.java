package io.prunestream.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.run.CycleStatus.Kind;
import io.prunestream.core.schedule.GReg1;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.OneShotL1;
import io.prunestream.core.store.PruningReport;
import io.prunestream.core.train.LrSchedule;
import io.prunestream.core.train.RunSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A continuous run end to end on a task it learns in a few dozen steps (a bright quadrant per
 * class; "rotated" moves every class's quadrant on by one): cycles kept within budget, cycles
 * rolled back to the exact network from before them, drift noticed, paused and recovered from, and
 * a snapshot mid-cycle that continues bit for bit.
 */
class ContinuousRunTest {
    static final InputShape SHAPE = new InputShape(1, 12, 12);
    static final int BATCH = 16;
    static final int HELD_OUT = 2;

    static RunSettings settings(double step, double budget, double targetRatio) {
        return settings(step, budget, targetRatio, 10);
    }

    static RunSettings settings(double step, double budget, double targetRatio, long finetune) {
        return settings(step, budget, targetRatio, finetune, 1);
    }

    static RunSettings settings(
            double step, double budget, double targetRatio, long finetune, int confirm) {
        RunSpec spec =
                new RunSpec(
                        "c",
                        ModelSpec.smallCnn(SHAPE, 4, 7),
                        OptimizerSpec.sgd(0.05, 5e-4),
                        new GReg1(30, 1, 0.25, 1.0, 2, 1.0),
                        Granularity.FILTER,
                        LayerRatios.uniform(0.9),
                        ImportanceCriterion.L1,
                        LrSchedule.constant(0.05),
                        0.02,
                        LrSchedule.constant(0.02),
                        BATCH,
                        NormPenalty.PRUNED);
        return new RunSettings(
                spec,
                5,
                20,
                1000,
                GuardSettings.DEFAULTS,
                new Evaluation(40, 1, 48),
                new CycleSettings(
                        step,
                        finetune,
                        budget,
                        0,
                        targetRatio,
                        CycleSettings.OnBreach.HALVE,
                        3,
                        confirm,
                        2));
    }

    /** Batch {@code i}: BATCH training samples and HELD_OUT held-out ones. */
    static DataSet[] batch(int i, boolean rotated) {
        Random r = new Random(1000 + i);
        int n = BATCH + HELD_OUT;
        float[] x = new float[n * SHAPE.size()];
        int[] y = new int[n];
        for (int k = 0; k < n; k++) {
            int c = r.nextInt(4);
            y[k] = c;
            int q = rotated ? (c + 1) % 4 : c;
            for (int p = 0; p < 144; p++) {
                int row = p / 12;
                int col = p % 12;
                boolean in = (row < 6) == (q < 2) && (col < 6) == (q % 2 == 0);
                x[k * 144 + p] = (in ? 0.8f : 0f) + 0.3f * r.nextFloat();
            }
        }
        float[] train = java.util.Arrays.copyOf(x, BATCH * 144);
        float[] held = java.util.Arrays.copyOfRange(x, BATCH * 144, n * 144);
        return new DataSet[] {
            PruningRun.toDataSet(train, java.util.Arrays.copyOf(y, BATCH), BATCH, SHAPE, 4),
            PruningRun.toDataSet(held, java.util.Arrays.copyOfRange(y, BATCH, n), 2, SHAPE, 4)
        };
    }

    /** What a run did over some steps. */
    record Trace(List<TrainingEvent> events, List<Publication> versions) {
        List<CycleStatus.Decision> decisions() {
            return events.stream().flatMap(e -> e.cycles().decisions().stream()).toList();
        }

        List<Kind> kinds() {
            return decisions().stream().map(CycleStatus.Decision::kind).toList();
        }
    }

    static void feed(PruningRun run, int from, int to, boolean rotated, Trace t) {
        for (int i = from; i < to; i++) {
            DataSet[] b = batch(i, rotated);
            INDArray h = b[1].getFeatures();
            int[] labels = new int[HELD_OUT];
            for (int k = 0; k < HELD_OUT; k++) {
                labels[k] = b[1].getLabels().getRow(k).argMax().getInt(0);
            }
            run.holdOut(h.data().asFloat(), labels, HELD_OUT);
            PruningRun.Step s = run.step(b[0], null);
            t.events().add(s.event());
            if (s.publication() != null) {
                t.versions().add(s.publication());
            }
        }
    }

    static void assertNoVersionBreaksTheBudget(Trace t) {
        assertThat(t.versions()).isNotEmpty();
        for (Publication p : t.versions()) {
            PruningReport.Lineage l = p.version().report().lineage();
            assertThat(l).as("v%d lineage", p.version().version()).isNotNull();
            assertThat(l.accuracy())
                    .as("v%d accuracy at publication", p.version().version())
                    .isGreaterThanOrEqualTo(l.floor())
                    .isEqualTo(p.version().accuracy());
        }
    }

    @Test
    void cyclesAreKeptWithinBudgetAndRolledBackToTheNetworkFromBeforeThem() {
        PruningRun run = PruningRun.create(settings(0.9, 2.0, 0, 3), null);
        Trace t = new Trace(new ArrayList<>(), new ArrayList<>());
        feed(run, 0, 260, false, t);
        t.decisions().forEach(d -> System.out.println(d.kind() + ": " + d.text()));
        assertThat(t.kinds()).startsWith(Kind.REFERENCE, Kind.CYCLE_STARTED);
        assertThat(t.kinds()).filteredOn(k -> k == Kind.CYCLE_KEPT).hasSizeGreaterThanOrEqualTo(2);
        assertThat(t.kinds()).contains(Kind.ROLLED_BACK);
        assertNoVersionBreaksTheBudget(t);
        // the rolled-back cycle is in the republished version's lineage; the next takes half
        Publication back =
                t.versions().stream()
                        .filter(p -> p.version().report().lineage().rolledBackFrom() != null)
                        .findFirst()
                        .orElseThrow();
        PruningReport.Lineage l = back.version().report().lineage();
        assertThat(l.rolledBackFrom().cycle()).isGreaterThan(l.cycle());
        assertThat(l.rolledBackFrom().flops()).isLessThan(l.flops());
        assertThat(l.rolledBackFrom().accuracy()).isLessThan(l.floor());
        // it is the network from before that cycle: the version published when the cycle started
        int at = t.versions().indexOf(back);
        assertThat(params(back)).isEqualTo(params(t.versions().get(at - 1)));
        // versions' cycles and sizes only ever shrink
        List<Long> flops =
                t.versions().stream().map(p -> p.version().report().lineage().flops()).toList();
        assertThat(flops).isSortedAccordingTo((a, b) -> Long.compare(b, a));
    }

    @Test
    void driftPausesCyclesUntilAccuracyIsBackWithinBudget() {
        PruningRun run = PruningRun.create(settings(0.3, 5.0, 0), null);
        Trace t = new Trace(new ArrayList<>(), new ArrayList<>());
        feed(run, 0, 60, false, t);
        feed(run, 60, 260, true, t);
        t.decisions().forEach(d -> System.out.println(d.kind() + ": " + d.text()));
        List<Kind> k = t.kinds();
        assertThat(k).contains(Kind.DRIFT, Kind.DRIFT_RECOVERED);
        int drift = k.indexOf(Kind.DRIFT);
        int recovered = k.indexOf(Kind.DRIFT_RECOVERED);
        assertThat(recovered).isGreaterThan(drift);
        assertThat(k.subList(drift, recovered))
                .as("no cycle starts while the run drifts")
                .doesNotContain(Kind.CYCLE_STARTED);
        assertThat(k.subList(recovered, k.size())).contains(Kind.CYCLE_STARTED);
        assertNoVersionBreaksTheBudget(t);
        long driftAt = eventWith(t, Kind.DRIFT).iteration();
        long backAt = eventWith(t, Kind.DRIFT_RECOVERED).iteration();
        assertThat(t.versions())
                .as("nothing is published while the run drifts")
                .noneMatch(
                        p -> p.version().iteration() > driftAt && p.version().iteration() < backAt);
        assertThat(t.events().stream().filter(e -> e.cycles().drift()).count())
                .isEqualTo(backAt - driftAt);
    }

    static INDArray params(Publication p) {
        return io.prunestream.core.nn.Network.fromBytes(p.model(), false, SHAPE).params();
    }

    @Test
    void driftBetweenCyclesIsDeclaredAfterItIsConfirmed() {
        // one cycle reaches the ratio target: the run stops cycling and watches for drift
        PruningRun run = PruningRun.create(settings(0.6, 5.0, 0.3, 10, 2), null);
        Trace t = new Trace(new ArrayList<>(), new ArrayList<>());
        feed(run, 0, 90, false, t);
        assertThat(t.kinds()).contains(Kind.CYCLE_KEPT, Kind.STOPPED).doesNotContain(Kind.DRIFT);
        assertThat(run.cycleState().stage()).isEqualTo(CycleState.Stage.IDLE);
        double level = run.cycleState().published().accuracy();
        feed(run, 90, 200, true, t);
        t.decisions().forEach(d -> System.out.println(d.kind() + ": " + d.text()));
        assertThat(t.kinds()).contains(Kind.DRIFT);
        List<TrainingEvent> evaluated =
                t.events().stream().filter(e -> e.evalAccuracy() != null).toList();
        int at = evaluated.indexOf(eventWith(t, Kind.DRIFT));
        double floor = level - 0.05;
        assertThat(evaluated.get(at).evalAccuracy()).isLessThan(floor);
        assertThat(evaluated.get(at - 1).evalAccuracy())
                .as("the evaluation before confirmed it")
                .isLessThan(floor);
        assertThat(evaluated.get(at - 2).evalAccuracy())
                .as("the drop started one evaluation before")
                .isGreaterThanOrEqualTo(floor);
    }

    static TrainingEvent eventWith(Trace t, Kind k) {
        return t.events().stream().filter(e -> e.cycles().has(k)).findFirst().orElseThrow();
    }

    @Test
    void aSnapshotMidCycleContinuesBitForBit() {
        RunSettings s = settings(0.6, 5.0, 0);
        PruningRun straight = PruningRun.create(s, null);
        Trace a = new Trace(new ArrayList<>(), new ArrayList<>());
        feed(straight, 0, 120, false, a);

        PruningRun first = PruningRun.create(s, null);
        Trace b = new Trace(new ArrayList<>(), new ArrayList<>());
        feed(first, 0, 75, false, b);
        assertThat(first.cycleState().stage()).isEqualTo(CycleState.Stage.CYCLE);
        byte[] saved = RunState.CODEC.toBytes(first.snapshot());
        PruningRun resumed = PruningRun.restore(s, RunState.CODEC.fromBytes(saved), null);
        feed(resumed, 75, 120, false, b);

        assertThat(resumed.network().params()).isEqualTo(straight.network().params());
        assertThat(b.kinds()).isEqualTo(a.kinds());
        assertThat(b.versions().stream().map(p -> p.version().version()).toList())
                .isEqualTo(a.versions().stream().map(p -> p.version().version()).toList());
        // all the state, the incarnation aside (two runs created from scratch have two)
        assertThat(RunState.CODEC.toBytes(sameIncarnation(resumed.snapshot())))
                .isEqualTo(RunState.CODEC.toBytes(sameIncarnation(straight.snapshot())));
    }

    @Test
    void aSnapshotStaysAsTakenWhileTheRunGoesOn() {
        // a state backend may serialise a snapshot after later steps: they must not change it
        PruningRun run = PruningRun.create(settings(0.6, 5.0, 0), null);
        Trace t = new Trace(new ArrayList<>(), new ArrayList<>());
        feed(run, 0, 12, false, t);
        RunState taken = run.snapshot();
        byte[] then = RunState.CODEC.toBytes(taken);
        feed(run, 12, 20, false, t);
        assertThat(RunState.CODEC.toBytes(taken)).isEqualTo(then);
        // and a run restored from it leaves it alone too
        PruningRun restored = PruningRun.restore(run.settings(), taken, null);
        feed(restored, 12, 16, false, new Trace(new ArrayList<>(), new ArrayList<>()));
        assertThat(RunState.CODEC.toBytes(taken)).isEqualTo(then);
    }

    static RunState sameIncarnation(RunState s) {
        return new RunState(
                s.nextVersion(),
                s.lastAccuracy(),
                s.accuracyBeforePrune(),
                s.baseAccuracy(),
                s.publishedIteration(),
                s.trainer(),
                s.guard(),
                "",
                s.window(),
                s.prequential(),
                s.cycles());
    }

    @Test
    void badCombinationsNameTheirKey() {
        RunSettings ok = settings(0.5, 1.0, 0);
        RunSpec oneShot =
                new RunSpec(
                        "c",
                        ok.spec().model(),
                        ok.spec().optimizer(),
                        new OneShotL1(10),
                        Granularity.FILTER,
                        LayerRatios.uniform(0.5),
                        ImportanceCriterion.L1,
                        LrSchedule.constant(0.05),
                        0.02,
                        LrSchedule.constant(0.02),
                        BATCH,
                        NormPenalty.PRUNED);
        assertThatThrownBy(
                        () ->
                                new RunSettings(
                                        oneShot,
                                        5,
                                        20,
                                        1,
                                        GuardSettings.DEFAULTS,
                                        ok.evaluation(),
                                        ok.cycles()))
                .hasMessageContaining("'prune.method' is oneshot-l1");
        assertThatThrownBy(
                        () ->
                                new RunSettings(
                                        ok.spec(),
                                        0,
                                        20,
                                        1,
                                        GuardSettings.DEFAULTS,
                                        ok.evaluation(),
                                        ok.cycles()))
                .hasMessageContaining("'prune.eval.interval' is 0");
        assertThatThrownBy(
                        () ->
                                new CycleSettings(
                                        0.5, 10, -1, 0, 0, CycleSettings.OnBreach.STOP, 1, 1, 1))
                .hasMessageContaining("'prune.budget.accuracy-drop' is -1.0");
        assertThatThrownBy(
                        () ->
                                new CycleSettings(
                                        0.5, 10, 1, 0.8, 0, CycleSettings.OnBreach.STOP, 1, 1, 1))
                .hasMessageContaining("'prune.target.flops' is 0.8");
    }
}
