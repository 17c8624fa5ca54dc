package io.prunestream.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The fast BatchNorm trains like DL4J's built-in BatchNorm: same parameters after several steps,
 * same outputs. The reference runs without any helper, since oneDNN's kernels differ per CPU.
 */
class FastBatchNormTest {

    private static DataSet batch(InputShape s, int classes, int seed) {
        DataSet b = RandomBatches.of(s, 16, classes, seed);
        b.getFeatures().muli(3).subi(1);
        return b;
    }

    private static void compare(Network fast, Network reference, InputShape s, int classes) {
        for (int i = 0; i < 5; i++) {
            DataSet b = batch(s, classes, i);
            fast.fit(b);
            reference.fit(b);
        }
        INDArray diff = fast.params().sub(reference.params());
        double scale = reference.params().amaxNumber().doubleValue();
        assertThat(diff.amaxNumber().doubleValue()).isLessThan(1e-4 * Math.max(1, scale));
        INDArray x = batch(s, classes, 99).getFeatures();
        assertThat(fast.output(x).sub(reference.output(x)).amaxNumber().doubleValue())
                .isLessThan(1e-4);
    }

    @Test
    void smallCnnTrainsLikeDl4jsBatchNorm() {
        OptimizerSpec opt = OptimizerSpec.sgd(0.05, 5e-4);
        Network fast = ModelSpec.smallCnn(InputShape.MNIST, 10, 3).build(opt);
        Network reference = fast.copy();
        FastBatchNorm.uninstall(((MultiLayerNetwork) reference.model()).getLayers());
        assertThat(FastBatchNorm.installedOn(((MultiLayerNetwork) fast.model()).getLayers()))
                .isTrue();
        assertThat(FastBatchNorm.installedOn(((MultiLayerNetwork) reference.model()).getLayers()))
                .isFalse();
        compare(fast, reference, InputShape.MNIST, 10);
    }

    @Test
    void resnetTrainsLikeDl4jsBatchNorm() {
        InputShape s = new InputShape(3, 8, 8);
        Network fast = ModelSpec.resnet(8, 0.5, s, 4, 3).build(OptimizerSpec.sgd(0.05, 0));
        Network reference = fast.copy();
        FastBatchNorm.uninstall(((ComputationGraph) reference.model()).getLayers());
        compare(fast, reference, s, 4);
    }
}
