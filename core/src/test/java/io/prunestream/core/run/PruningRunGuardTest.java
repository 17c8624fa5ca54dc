package io.prunestream.core.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.PruningMethod;
import io.prunestream.core.schedule.ScheduleParams;
import io.prunestream.core.train.LrSchedule;
import io.prunestream.core.train.RunSpec;
import java.util.ArrayList;
import java.util.List;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;

/**
 * The numeric guard: a step that goes non-finite leaves parameters and updater state exactly as
 * before it, is counted, and a run of them lowers the learning rate or pauses the run; nothing
 * non-finite is published.
 */
class PruningRunGuardTest {

    static RunSettings settings(GuardSettings guard) {
        return settings(
                guard,
                ModelSpec.smallCnn(new InputShape(1, 12, 12), 4, 3),
                OptimizerSpec.sgd(0.05, 5e-4));
    }

    static RunSettings settings(GuardSettings guard, ModelSpec model, OptimizerSpec optimizer) {
        RunSpec spec =
                new RunSpec(
                        "g",
                        model,
                        optimizer,
                        PruningMethod.GREG1.schedule(
                                new ScheduleParams(2, 1, 0.2, 1.0, 2, 0.05, 0.1, -1e-4, 1)),
                        Granularity.FILTER,
                        LayerRatios.uniform(0.5),
                        ImportanceCriterion.L1,
                        LrSchedule.constant(0.05),
                        0.02,
                        LrSchedule.constant(0.01),
                        8,
                        NormPenalty.PRUNED);
        return new RunSettings(spec, 0, 0, 1, guard);
    }

    static DataSet batch(int i, float scale) {
        return batch(i, scale, new InputShape(1, 12, 12));
    }

    static DataSet batch(int i, float scale, InputShape shape) {
        Nd4j.getRandom().setSeed(100 + i);
        INDArray x = Nd4j.rand(DataType.FLOAT, shape.batchShape(8)).muli(scale);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 4);
        for (int k = 0; k < 8; k++) {
            y.putScalar(k, (k + i) % 4, 1f);
        }
        return new DataSet(x, y);
    }

    @Test
    void nonFiniteStepsRollBackThenTheLearningRateDrops() {
        PruningRun run =
                PruningRun.create(
                        settings(new GuardSettings(3, GuardSettings.Response.LOWER_LR, 0.1, false)),
                        null);
        for (int i = 0; i < 3; i++) {
            assertThat(run.step(batch(i, 1), null).event().rejected()).isNull();
        }
        INDArray params = run.network().params().dup();
        INDArray updater = run.network().updaterState().dup();
        List<TrainingEvent> bad = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            // 3e38 is a finite float; the forward pass overflows
            bad.add(run.step(batch(10 + i, 3e38f), null).event());
            assertThat(run.network().params()).isEqualTo(params);
            assertThat(run.network().updaterState()).isEqualTo(updater);
        }
        assertThat(bad).extracting(TrainingEvent::rejected).doesNotContainNull();
        assertThat(bad).extracting(TrainingEvent::samples).containsOnly(0);
        assertThat(bad)
                .extracting(TrainingEvent::guardResponse)
                .containsExactly(null, null, "lower-lr");
        assertThat(run.guard().rollbacks()).isEqualTo(3);
        assertThat(run.guard().lrScale()).isEqualTo(0.1);
        assertThat(run.iteration()).isEqualTo(6);

        TrainingEvent good = run.step(batch(20, 1), null).event();
        assertThat(good.rejected()).isNull();
        // iteration 6 is in REGULARIZE at lr.prune 0.02, now scaled by 0.1
        assertThat(good.learningRate()).isEqualTo(0.02 * 0.1);
        assertThat(run.trainer().isFinite()).isTrue();
        Publication p = run.publish(null, true);
        assertThat(p).isNotNull();

        // the guard's state survives a snapshot through its codec
        RunState restoredState = RunState.CODEC.fromBytes(RunState.CODEC.toBytes(run.snapshot()));
        assertThat(restoredState.guard()).isEqualTo(run.guard());
    }

    @Test
    void pausedRunSkipsItsBatchesUntilResumed() {
        RunSettings pause =
                settings(new GuardSettings(2, GuardSettings.Response.PAUSE, 0.1, false));
        PruningRun run = PruningRun.create(pause, null);
        run.step(batch(0, 1), null);
        TrainingEvent first = run.step(batch(1, 3e38f), null).event();
        TrainingEvent second = run.step(batch(2, -3e38f), null).event();
        assertThat(first.rejected()).isNotNull();
        assertThat(second.rejected()).isNotNull();
        assertThat(second.guardResponse()).isEqualTo("pause");
        assertThat(second.paused()).isTrue();
        INDArray params = run.network().params().dup();
        assertThat(second.skipped()).as("a rolled-back step is not a skipped one").isNull();
        TrainingEvent skipped = run.step(batch(3, 1), null).event();
        assertThat(skipped.paused()).isTrue();
        assertThat(skipped.samples()).isZero();
        assertThat(skipped.rejected()).isNull();
        assertThat(skipped.skipped()).isEqualTo(TrainingEvent.RUN_PAUSED);
        assertThat(run.network().params()).isEqualTo(params);

        RunState saved = RunState.CODEC.fromBytes(RunState.CODEC.toBytes(run.snapshot()));
        assertThat(PruningRun.restore(pause, saved, null).guard().paused()).isTrue();
        RunSettings resume =
                settings(new GuardSettings(2, GuardSettings.Response.PAUSE, 0.1, true));
        PruningRun resumed = PruningRun.restore(resume, saved, null);
        assertThat(resumed.guard().paused()).isFalse();
        assertThat(resumed.step(batch(4, 1), null).event().samples()).isEqualTo(8);
    }

    @Test
    void aStepThatFailsForAnotherReasonFailsInsteadOfBeingRolledBack() {
        PruningRun run = PruningRun.create(settings(GuardSettings.DEFAULTS), null);
        assertThat(run.step(batch(0, 1), null).event().rejected()).isNull();
        // a bug inside the step: DL4J calls its listeners between backward pass and update
        run.network()
                .addListener(
                        new BaseTrainingListener() {
                            @Override
                            public void onGradientCalculation(Model model) {
                                throw new IllegalStateException("a bug in a listener");
                            }
                        });
        assertThatThrownBy(() -> run.step(batch(1, 1), null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("run 'g'")
                .hasMessageContaining("iteration 1")
                .hasRootCauseMessage("a bug in a listener");
        assertThat(run.guard()).isEqualTo(RunState.Guard.INITIAL);
    }

    @Test
    void adamsSecondMomentOverflowingIsRolledBack() {
        // LeNet has no BatchNorm, so inputs of 1e20 reach the output layer: its weight gradients
        // (activation x output error, the error in [-1, 1]) pass 1.8e19, where g*g overflows float.
        // The loss stays finite (DL4J clips the softmax at 1e-10) and so do Adam's steps (about
        // lr each), but the second moment v becomes Inf, and m / (sqrt(v) + eps) = 0 freezes those
        // weights for good.
        InputShape shape = new InputShape(1, 28, 28);
        PruningRun run =
                PruningRun.create(
                        settings(
                                GuardSettings.DEFAULTS,
                                ModelSpec.lenet(shape, 4, 3),
                                OptimizerSpec.adam(0.001)),
                        null);
        for (int i = 0; i < 2; i++) {
            assertThat(run.step(batch(i, 1, shape), null).event().rejected()).isNull();
        }
        INDArray params = run.network().params().dup();
        INDArray updater = run.network().updaterState().dup();

        TrainingEvent bad = run.step(batch(2, 1e20f, shape), null).event();

        assertThat(bad.rejected()).isEqualTo("non-finite-updater-state");
        assertThat(bad.loss()).as("loss of the overflowing step").isFinite();
        assertThat(bad.samples()).isZero();
        assertThat(run.network().params()).isEqualTo(params);
        assertThat(run.network().updaterState()).isEqualTo(updater);
        TrainingEvent next = run.step(batch(3, 1, shape), null).event();
        assertThat(next.rejected()).isNull();
        assertThat(run.network().params()).isNotEqualTo(params);
        INDArray u = run.network().updaterState();
        assertThat(u.isInfinite().any() || u.isNaN().any()).isFalse();
    }

    @Test
    void nd4jsOwnNanChecksAreNumericFailuresToo() {
        PruningRun run = PruningRun.create(settings(GuardSettings.DEFAULTS), null);
        run.step(batch(0, 1), null);
        INDArray params = run.network().params().dup();
        INDArray updater = run.network().updaterState().dup();
        ProfilerConfig before = OpProfiler.getInstance().getConfig();
        TrainingEvent bad;
        try {
            Nd4j.getExecutioner()
                    .setProfilingConfig(
                            ProfilerConfig.builder().checkForNAN(true).checkForINF(true).build());
            bad = run.step(batch(1, 3e38f), null).event();
        } finally {
            Nd4j.getExecutioner().setProfilingConfig(before);
        }
        assertThat(bad.rejected()).isEqualTo("non-finite-op-output");
        assertThat(run.network().params()).isEqualTo(params);
        assertThat(run.network().updaterState()).isEqualTo(updater);
        assertThat(run.step(batch(2, 1), null).event().rejected()).isNull();
    }

    @Test
    void aNetworkWithNonFiniteParametersIsNotPublished() {
        PruningRun run = PruningRun.create(settings(GuardSettings.DEFAULTS), null);
        run.step(batch(0, 1), null);
        assertThat(run.publish(null, false)).isNotNull();
        run.network().params().putScalar(5, Double.NaN);
        assertThat(run.trainer().isFinite()).isFalse();
        assertThat(run.publish(null, true)).isNull();
    }

    @Test
    void stateOfTheFirstFormatReadsWithANeutralGuard() {
        PruningRun run = PruningRun.create(settings(GuardSettings.DEFAULTS), null);
        run.step(batch(0, 1), null);
        RunState s = run.snapshot();
        byte[] v3 = RunState.CODEC.toBytes(s);
        // version 1 = version 3 without the incarnation (UTF) and the guard's 21 bytes before it
        byte[] v1 = java.util.Arrays.copyOf(v3, v3.length - (2 + s.incarnation().length()) - 21);
        v1[0] = 1;
        RunState old = RunState.CODEC.fromBytes(v1);
        assertThat(old.guard()).isEqualTo(RunState.Guard.INITIAL);
        assertThat(old.trainer().steps()).isEqualTo(1);
    }
}
