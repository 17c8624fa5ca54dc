package io.prunestream.core.nn.imports;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.nn.RandomBatches;
import io.prunestream.core.nn.imports.ImportFixtures.Fixture;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.run.PruningRun;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.schedule.PruningMethod;
import io.prunestream.core.schedule.ScheduleParams;
import io.prunestream.core.train.LrSchedule;
import io.prunestream.core.train.RunSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.conf.ComputationGraphConfiguration;
import org.deeplearning4j.nn.conf.MultiLayerConfiguration;
import org.deeplearning4j.nn.conf.graph.LayerVertex;
import org.deeplearning4j.nn.conf.layers.BaseLayer;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.deeplearning4j.nn.conf.layers.Layer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.learning.config.Nesterovs;
import org.nd4j.linalg.learning.regularization.L2Regularization;

/**
 * An imported network trains in the project's run loop with the run's optimizer, set up as the
 * built-in models set theirs; a DL4J zip (this program's own model format) comes back as it went.
 */
class ImportedNetworkTrainingTest {

    static List<Fixture> fixtures() {
        return ImportFixtures.all();
    }

    static RunSettings settings(Fixture f, OptimizerSpec optimizer) {
        // PruningRun.from takes the network; the spec's model (never built here) only names it
        RunSpec spec =
                new RunSpec(
                        "import-" + f.name(),
                        ModelSpec.smallCnn(f.input(), f.classes(), 0),
                        optimizer,
                        PruningMethod.GREG1.schedule(ScheduleParams.DEFAULTS),
                        Granularity.FILTER,
                        LayerRatios.uniform(0.5),
                        ImportanceCriterion.L1,
                        LrSchedule.constant(0.01),
                        0.01,
                        LrSchedule.constant(0.01),
                        8,
                        NormPenalty.PRUNED);
        return RunSettings.quiet(spec);
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void trainsAFewStepsThroughThePruningRun(Fixture f) {
        ImportedModel m = ModelImports.read(f.file());
        OptimizerSpec opt = OptimizerSpec.sgd(0.01, 5e-4);
        Network net = m.network(opt);
        INDArray before = net.params().dup();
        PruningRun run = PruningRun.from(settings(f, opt), net);

        List<TrainingEvent> events = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            events.add(run.step(RandomBatches.of(f.input(), 8, f.classes(), 10 + i), null).event());
        }

        assertThat(events)
                .allSatisfy(
                        e -> {
                            assertThat(e.phase()).isEqualTo(Phase.TRAIN);
                            assertThat(e.rejected()).isNull();
                            assertThat(e.loss()).isFinite().isPositive();
                            assertThat(e.params()).isPositive();
                        });
        assertThat(run.iteration()).isEqualTo(3);
        assertThat(run.network().params().sub(before).amaxNumber().doubleValue()).isGreaterThan(0);
    }

    /** Updater and L2 per layer, as a comparable description. */
    private static List<String> training(Object conf) {
        List<Layer> layers = new ArrayList<>();
        if (conf instanceof MultiLayerConfiguration c) {
            c.getConfs().forEach(n -> layers.add(n.getLayer()));
        } else {
            for (var v : ((ComputationGraphConfiguration) conf).getVertices().values()) {
                if (v instanceof LayerVertex lv) {
                    layers.add(lv.getLayerConf().getLayer());
                }
            }
        }
        List<String> out = new ArrayList<>();
        for (Layer l : layers) {
            if (l instanceof BaseLayer b && b.initializer().numParams(b) > 0) {
                out.add(
                        (l instanceof BatchNormalization ? "bn " : "")
                                + b.getIUpdater()
                                + " "
                                + b.getRegularizationByParam("W")
                                + " "
                                + b.getRegularizationByParam("b"));
            }
        }
        return out;
    }

    @Test
    void theRunsOptimizerReplacesTheFilesAsInTheBuiltInModels() {
        ImportedModel m = ModelImports.read(ImportFixtures.DIR.resolve("resnet20-bn.onnx"));
        OptimizerSpec sgd = OptimizerSpec.sgd(0.05, 5e-4);

        Network net = m.network(sgd);
        Network builtIn = ModelSpec.resnet(20, 0.5, m.input(), 10, 1).build(sgd);

        assertThat(net.params()).isEqualTo(m.network().params());
        assertThat(net.updaterState().sumNumber().doubleValue()).isZero();
        List<String> imported = training(net.configurationCopy());
        assertThat(Set.copyOf(imported))
                .isEqualTo(Set.copyOf(training(builtIn.configurationCopy())));
        assertThat(imported).contains("bn " + new Nesterovs(0.05, 0.9) + " null null");
        assertThat(imported)
                .contains(
                        new Nesterovs(0.05, 0.9)
                                + " "
                                + List.of(new L2Regularization(5e-4))
                                + " "
                                + List.of(new L2Regularization(5e-4)));

        Network adam = m.network(OptimizerSpec.adam(1e-3));
        assertThat(training(adam.configurationCopy()))
                .allMatch(s -> s.contains(new Adam(1e-3).toString()));
        assertThat(training(m.network().configurationCopy()))
                .as("the imported network itself is left as it was")
                .noneMatch(s -> s.contains("Nesterovs") || s.contains("Adam"));
    }

    @Test
    void aDl4jZipComesBackWithTheSameOutputs(@TempDir Path dir) throws Exception {
        InputShape shape = new InputShape(1, 12, 12);
        for (ModelSpec spec :
                List.of(ModelSpec.smallCnn(shape, 4, 7), ModelSpec.resnet(8, 0.5, shape, 4, 7))) {
            Network original = spec.build(OptimizerSpec.sgd(0.1, 0));
            Path file = dir.resolve(spec.kind() + ".zip");
            java.nio.file.Files.write(file, original.toBytes(false));

            ImportedModel m = ModelImports.read(file);

            assertThat(m.format()).isEqualTo("dl4j");
            assertThat(m.input()).as("DL4J does not store a conv net's input").isNull();
            assertThat(m.classes()).isEqualTo(4);
            Network back = m.withInput(shape).network();
            INDArray x = RandomBatches.of(shape, 5, 4, 3).getFeatures();
            assertThat(back.output(x)).isEqualTo(original.output(x));
            assertThat(back.isGraph()).isEqualTo(original.isGraph());
        }
    }

    @Test
    void aDl4jZipOfAnMlpSaysItsInputAndKeepsTheSourceOutputs(@TempDir Path dir) throws Exception {
        Fixture f = ImportFixtures.named("mlp");
        Path file = dir.resolve("mlp.zip");
        java.nio.file.Files.write(file, ModelImports.read(f.file()).network().toBytes(false));

        ImportedModel m = ModelImports.read(file);

        assertThat(m.input()).isEqualTo(InputShape.vector(32));
        assertThat(m.classes()).isEqualTo(4);
        assertThat(
                        ModelImportsTest.logits(m.network(), f.inputs())
                                .sub(f.logits())
                                .amaxNumber()
                                .doubleValue())
                .isLessThan(1e-4);
    }
}
