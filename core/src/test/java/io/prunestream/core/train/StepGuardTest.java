package io.prunestream.core.train;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Optimizer;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.PruningMethod;
import io.prunestream.core.schedule.ScheduleParams;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The guard costs good steps no copy: it decides between backward pass and update whether a step
 * needs one, and a step it copied still rolls back to exactly the state before it.
 */
class StepGuardTest {

    private static RunSpec spec(ModelSpec model, OptimizerSpec optimizer) {
        return new RunSpec(
                "guard",
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
    }

    private static DataSet batch(int i, float scale, InputShape shape) {
        Nd4j.getRandom().setSeed(300 + i);
        INDArray x = Nd4j.rand(DataType.FLOAT, shape.batchShape(8)).muli(scale);
        INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 4);
        for (int k = 0; k < 8; k++) {
            y.putScalar(k, (k + i) % 4, 1f);
        }
        return new DataSet(x, y);
    }

    private static StepResult step(PruningTrainer t, DataSet b) {
        return t.step(b, t.spec().schedule().at(t.iteration()));
    }

    @Test
    void goodStepsCopyNothingAndABadOneStillRollsBackExactly() {
        InputShape shape = new InputShape(1, 12, 12);
        for (PruningTrainer t :
                new PruningTrainer[] {
                    PruningTrainer.create(
                            spec(ModelSpec.smallCnn(shape, 4, 3), OptimizerSpec.sgd(0.05, 5e-4))),
                    PruningTrainer.create(
                            spec(
                                    ModelSpec.lenet(new InputShape(1, 28, 28), 4, 3),
                                    OptimizerSpec.adam(0.001)))
                }) {
            InputShape in = t.spec().model().input();
            // through pick, penalty, prune and a fine-tuning step (the network is replaced)
            for (int i = 0; i < 40 && (!t.isPruned() || t.iteration() <= t.prunedAt() + 1); i++) {
                assertThat(step(t, batch(i, 1, in)).rejected()).isNull();
            }
            assertThat(t.isPruned()).isTrue();
            assertThat(t.guardCopies()).as("copies on good steps").isZero();

            INDArray params = t.network().params().dup();
            INDArray updater = t.network().updaterState().dup();
            // 3e38 overflows the small CNN's forward pass; 1e20 overflows Adam's g*g in LeNet
            float bad = t.spec().optimizer().type() == Optimizer.ADAM ? 1e20f : 3e38f;
            StepResult rejected = step(t, batch(20, bad, in));
            assertThat(rejected.rejected()).isNotNull();
            assertThat(t.guardCopies()).isEqualTo(1);
            assertThat(t.network().params()).isEqualTo(params);
            assertThat(t.network().updaterState()).isEqualTo(updater);

            assertThat(step(t, batch(21, 1, in)).rejected()).isNull();
            assertThat(t.guardCopies()).isEqualTo(1);
            assertThat(t.network().params()).isNotEqualTo(params);
        }
    }

    @Test
    void offTheGuardNeitherCopiesNorRollsBack() {
        InputShape shape = new InputShape(1, 12, 12);
        PruningTrainer t =
                PruningTrainer.create(
                        spec(ModelSpec.smallCnn(shape, 4, 3), OptimizerSpec.sgd(0.05, 5e-4)));
        step(t, batch(0, 1, shape));
        t.guard(false);
        StepResult r = step(t, batch(1, 3e38f, shape));
        assertThat(r.rejected()).isNull();
        assertThat(t.guardCopies()).isZero();
        assertThat(t.isFinite()).isFalse();
    }

    @Test
    void withinSeesEveryNonFiniteOrLargeValue() {
        int limit = Float.floatToIntBits(StepGuard.LIMIT);
        float[] v = new float[1000];
        for (int i = 0; i < v.length; i++) {
            v[i] = (i % 2 == 0 ? 1 : -1) * i * 1e-3f;
        }
        assertThat(StepGuard.within(Nd4j.createFromArray(v), limit)).isTrue();
        for (float x :
                new float[] {
                    Float.NaN,
                    Float.POSITIVE_INFINITY,
                    Float.NEGATIVE_INFINITY,
                    -2 * StepGuard.LIMIT,
                    Math.nextUp(StepGuard.LIMIT)
                }) {
            float[] w = v.clone();
            w[777] = x;
            assertThat(StepGuard.within(Nd4j.createFromArray(w), limit)).as("%s", x).isFalse();
            // a view into a larger buffer, and a strided one (checked the slow way)
            INDArray big = Nd4j.createFromArray(w).reshape(10, 100);
            assertThat(StepGuard.within(big.getRow(7), limit)).as("row %s", x).isFalse();
            assertThat(StepGuard.within(big.getColumn(77), limit)).as("column %s", x).isFalse();
            assertThat(StepGuard.within(big.getRow(6), limit)).as("other row %s", x).isTrue();
        }
        for (int at : new int[] {0, 998, 999}) { // first, and the last pair and odd one out
            float[] w = v.clone();
            w[at] = Float.NaN;
            assertThat(StepGuard.within(Nd4j.createFromArray(w), limit)).as("at %d", at).isFalse();
            float[] odd = java.util.Arrays.copyOf(w, 999);
            assertThat(StepGuard.within(Nd4j.createFromArray(odd), limit))
                    .as("odd length, at %d", at)
                    .isEqualTo(at == 999);
        }
        float[] edge = v.clone();
        edge[3] = -StepGuard.LIMIT;
        assertThat(StepGuard.within(Nd4j.createFromArray(edge), limit)).isTrue();
    }
}
