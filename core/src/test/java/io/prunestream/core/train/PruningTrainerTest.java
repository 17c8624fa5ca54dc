package io.prunestream.core.train;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.schedule.PruningMethod;
import io.prunestream.core.schedule.PruningSchedule;
import io.prunestream.core.schedule.ScheduleParams;
import io.prunestream.core.schedule.ScheduleState;
import io.prunestream.core.store.ModelStore;
import io.prunestream.core.store.PruningReport;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

class PruningTrainerTest {

    static RunSpec spec(PruningMethod m, Granularity g) {
        PruningSchedule sc = m.schedule(new ScheduleParams(2, 1, 0.2, 1.0, 2, 0.05, 0.1, -1e-4, 1));
        return new RunSpec(
                "t",
                ModelSpec.smallCnn(new InputShape(1, 12, 12), 4, 3),
                OptimizerSpec.sgd(0.05, 5e-4),
                sc,
                g,
                LayerRatios.uniform(0.5),
                ImportanceCriterion.L1,
                LrSchedule.constant(0.05),
                0.02,
                LrSchedule.parse("0:0.01,3:0.005"),
                8,
                NormPenalty.ALL);
    }

    static List<DataSet> batches(int n) {
        return batches(n, new InputShape(1, 12, 12));
    }

    static List<DataSet> batches(int n, InputShape shape) {
        Nd4j.getRandom().setSeed(99);
        List<DataSet> out = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            INDArray x = Nd4j.rand(DataType.FLOAT, shape.batchShape(8));
            INDArray y = Nd4j.zeros(DataType.FLOAT, 8, 4);
            for (int k = 0; k < 8; k++) {
                y.putScalar(k, (k + i) % 4, 1f);
            }
            out.add(new DataSet(x, y));
        }
        return out;
    }

    @Test
    void snapshotRestoreContinuesExactlyAcrossPickAndPrune() {
        for (PruningMethod m : List.of(PruningMethod.GREG1, PruningMethod.GREG2)) {
            for (Granularity g : Granularity.values()) {
                checkRestore(spec(m, g));
            }
        }
    }

    /**
     * A coupled run on a ResNet-8 (width 0.5: stages of 8, 16, 32 channels) prunes the residual
     * stream with every block's inner conv: the option-A shortcut ties the stages, so half of the
     * stream's 8 units is half of every stage's channels. It restores exactly like any run.
     */
    @Test
    void aCoupledRunPrunesTheResidualStreamAndRestoresExactly() {
        RunSpec inner = spec(PruningMethod.GREG1, Granularity.FILTER);
        RunSpec spec =
                new RunSpec(
                        "coupled",
                        ModelSpec.resnet(8, 0.5, new InputShape(3, 8, 8), 4, 3),
                        inner.optimizer(),
                        inner.schedule(),
                        Granularity.FILTER,
                        LayerRatios.uniform(0.5),
                        ImportanceCriterion.L1,
                        inner.lrTrain(),
                        inner.lrPrune(),
                        inner.lrFinetune(),
                        8,
                        NormPenalty.PRUNED,
                        GroupScope.COUPLED);
        PruningTrainer t = checkRestore(spec, batches(24, spec.model().input()));

        assertThat(t.plan().pruned()).containsKey("stem_conv");
        assertThat(NetworkCost.of(t.network()).convWidths())
                .containsEntry("stem_conv", 4L)
                .containsEntry("s1b0_conv1", 4L)
                .containsEntry("s1b0_conv2", 4L)
                .containsEntry("s2b0_conv1", 8L)
                .containsEntry("s2b0_conv2", 8L)
                .containsEntry("s3b0_conv2", 16L);
        assertThat(t.layerStats()).containsKey("stem_conv");
        assertThat(t.spec().parameters()).containsEntry("groups", "coupled");
    }

    private static void checkRestore(RunSpec spec) {
        checkRestore(spec, batches(24));
    }

    /** Runs {@code spec} through and, interrupted and restored, checks each continues exactly. */
    private static PruningTrainer checkRestore(RunSpec spec, List<DataSet> data) {
        // uninterrupted
        PruningTrainer a = PruningTrainer.create(spec);
        ScheduleState s = spec.schedule().initial();
        List<Double> lossA = new ArrayList<>();
        for (DataSet b : data) {
            lossA.add(a.step(b, s).loss());
            s = spec.schedule().next(s);
        }
        assertThat(a.isPruned()).as("%s", spec.schedule().method()).isTrue();
        // interrupted at several points: before pick, during growth, after prune
        for (int cut : new int[] {1, 5, 16}) {
            PruningTrainer b = PruningTrainer.create(spec);
            ScheduleState sb = spec.schedule().initial();
            for (int i = 0; i < cut; i++) {
                b.step(data.get(i), sb);
                sb = spec.schedule().next(sb);
            }
            // through the codecs, as a checkpoint stores them
            byte[] snap = TrainerState.CODEC.toBytes(b.snapshot());
            byte[] state = ScheduleState.CODEC.toBytes(sb);
            PruningTrainer c = PruningTrainer.restore(spec, TrainerState.CODEC.fromBytes(snap));
            ScheduleState sc = ScheduleState.CODEC.fromBytes(state);
            for (int i = cut; i < data.size(); i++) {
                double loss = c.step(data.get(i), sc).loss();
                assertThat(loss)
                        .as("loss at %d after restore at %d", i, cut)
                        .isEqualTo(lossA.get(i));
                sc = spec.schedule().next(sc);
            }
            assertThat(c.network().params()).isEqualTo(a.network().params());
            assertThat(c.iteration()).isEqualTo(a.iteration());
            assertThat(c.magnitudeRatiosAtPrune()).isEqualTo(a.magnitudeRatiosAtPrune());
        }
        return a;
    }

    @Test
    void trainerRejectsAStateForAnotherIteration() {
        RunSpec spec = spec(PruningMethod.GREG1, Granularity.FILTER);
        PruningTrainer t = PruningTrainer.create(spec);
        assertThatThrownBy(() -> t.step(batches(1).get(0), spec.schedule().at(3)))
                .hasMessageContaining("iteration 3")
                .hasMessageContaining("iteration 0");
    }

    @Test
    void prunedModelSavesAndLoadsWithIdenticalOutputs(@TempDir Path dir) {
        RunSpec spec = spec(PruningMethod.GREG1, Granularity.FILTER);
        PruningTrainer t = PruningTrainer.create(spec);
        ScheduleState s = spec.schedule().initial();
        for (DataSet b : batches(14)) {
            t.step(b, s);
            s = spec.schedule().next(s);
        }
        assertThat(t.isPruned()).isTrue();
        PruningReport report =
                PruningReport.of(
                        t,
                        1,
                        Phase.FINETUNE.name(),
                        new PruningReport.Accuracies(0.5, Double.NaN, Double.NaN));
        Path saved = ModelStore.save(dir.resolve("v1"), t.network(), report);
        ModelStore.SavedModel loaded = ModelStore.load(saved);
        INDArray x = Nd4j.rand(DataType.FLOAT, 5, 1, 12, 12);
        assertThat(loaded.network().output(x)).isEqualTo(t.network().output(x));
        assertThat(loaded.report().params())
                .isEqualTo(report.params())
                .isLessThan(report.baseParams());
        assertThat(loaded.report().widths()).isEqualTo(report.widths());
        assertThat(loaded.report().method()).isEqualTo("greg1");
        assertThatThrownBy(() -> ModelStore.save(saved, t.network(), report))
                .hasMessageContaining("never overwritten");
    }
}
