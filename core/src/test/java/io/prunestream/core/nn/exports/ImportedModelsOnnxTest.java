package io.prunestream.core.nn.exports;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.group.GroupScope;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.imports.ImportFixtures;
import io.prunestream.core.nn.imports.ImportFixtures.Fixture;
import io.prunestream.core.nn.imports.ModelImports;
import io.prunestream.core.prune.GroupSurgery;
import io.prunestream.core.prune.L1Norm;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.prune.PrunePlan;
import io.prunestream.core.prune.PruneSelector;
import io.prunestream.core.schedule.Granularity;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The loop closed: a model made by PyTorch or Keras, read by prunestream, pruned, and written as
 * ONNX runs in ONNX Runtime as it runs in DL4J; unpruned, it computes what the source framework
 * computed on the stored inputs.
 */
class ImportedModelsOnnxTest {

    static List<Fixture> fixtures() {
        return ImportFixtures.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void exportsAsTheSourceFrameworkComputedAndPrunedAsDl4jRunsIt(Fixture f) throws Exception {
        Network net = ModelImports.read(f.file()).network();
        INDArray x = f.inputs();
        INDArray source = Transforms.softmax(f.logits().castTo(DataType.DOUBLE), true);
        double sourceDelta = maxAbs(ort(net, x).sub(source));
        double dl4jDelta = maxAbs(ort(net, x).sub(net.output(x).castTo(DataType.DOUBLE)));

        Network pruned = net.copy();
        PrunePlan plan =
                PruneSelector.select(
                        pruned,
                        Granularity.FILTER,
                        GroupScope.COUPLED,
                        LayerRatios.uniform(0.5),
                        new L1Norm());
        pruned = GroupSurgery.apply(pruned, GroupScope.COUPLED, plan);
        double prunedDelta = maxAbs(ort(pruned, x).sub(pruned.output(x).castTo(DataType.DOUBLE)));
        System.out.printf(
                "fixture %-18s ONNX Runtime vs source %.2e, vs DL4J %.2e, pruned (coupled 0.5,"
                        + " %d groups cut) vs DL4J %.2e%n",
                f.name(), sourceDelta, dl4jDelta, plan.pruned().size(), prunedDelta);
        assertThat(sourceDelta).isLessThan(1e-4);
        assertThat(dl4jDelta).isLessThan(1e-4);
        assertThat(prunedDelta).isLessThan(1e-4);
    }

    private static INDArray ort(Network net, INDArray x) throws Exception {
        try (OnnxRuntimeRunner r =
                new OnnxRuntimeRunner(OnnxExporter.builder().build().export(net))) {
            return r.run(x).castTo(DataType.DOUBLE);
        }
    }

    private static double maxAbs(INDArray a) {
        return Transforms.abs(a).maxNumber().doubleValue();
    }
}
