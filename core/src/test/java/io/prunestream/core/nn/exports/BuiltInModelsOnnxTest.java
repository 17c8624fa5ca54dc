package io.prunestream.core.nn.exports;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.schedule.Granularity;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Every built-in model, unpruned and pruned at 0.5 and 0.9 by filters (physically smaller) and by
 * weights (masked zeros), exported and run in ONNX Runtime: on 64 random inputs its outputs are
 * DL4J's within 1e-4. Every architecture runs at a width where all five variants are quick; VGG-16
 * and ResNet-56, the benchmark's models, also at full width (unpruned and filter-pruned: choosing
 * 90 % of VGG-16's 15 M weights one by one takes longer than the rest of this test).
 */
class BuiltInModelsOnnxTest {
    private static final OptimizerSpec SGD = OptimizerSpec.sgd(0.05, 5e-4);
    private static final InputShape CIFAR = new InputShape(3, 32, 32);
    private static final List<Variants> VARIANTS =
            List.of(
                    Variants.UNPRUNED,
                    new Variants(Granularity.FILTER, 0.5),
                    new Variants(Granularity.FILTER, 0.9),
                    new Variants(Granularity.WEIGHT, 0.5),
                    new Variants(Granularity.WEIGHT, 0.9));

    private static final List<Variants> FILTER_ONLY = VARIANTS.subList(0, 3);

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("small-cnn", ModelSpec.smallCnn(InputShape.MNIST, 10, 1), VARIANTS),
                Arguments.of("lenet", ModelSpec.lenet(InputShape.MNIST, 10, 2), VARIANTS),
                Arguments.of("vgg11 x0.25", ModelSpec.vgg(11, 0.25, CIFAR, 10, 3), VARIANTS),
                Arguments.of("vgg13 x0.25", ModelSpec.vgg(13, 0.25, CIFAR, 10, 4), VARIANTS),
                Arguments.of("vgg16 x0.25", ModelSpec.vgg(16, 0.25, CIFAR, 10, 5), VARIANTS),
                Arguments.of("vgg19 x0.25", ModelSpec.vgg(19, 0.25, CIFAR, 10, 6), VARIANTS),
                Arguments.of("resnet20", ModelSpec.resnet(20, 1.0, CIFAR, 10, 7), VARIANTS),
                Arguments.of("resnet56 x0.5", ModelSpec.resnet(56, 0.5, CIFAR, 10, 8), VARIANTS),
                Arguments.of("resnet56", ModelSpec.resnet(56, 1.0, CIFAR, 10, 10), VARIANTS),
                Arguments.of("vgg16", ModelSpec.vgg(16, 1.0, CIFAR, 10, 9), FILTER_ONLY));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("models")
    void agreesWithOnnxRuntime(String name, ModelSpec spec, List<Variants> variants)
            throws Exception {
        Network base = spec.build(SGD);
        Nd4j.getRandom().setSeed(spec.seed());
        INDArray x = Nd4j.rand(DataType.FLOAT, spec.input().batchShape(64));
        for (Variants v : variants) {
            long t0 = System.nanoTime();
            Network net = v.of(base);
            // as after fine-tuning: BatchNorm statistics of the network as it now is
            TrainedStatistics.apply(net, x, spec.seed());
            INDArray expected = net.output(x);
            byte[] onnx = OnnxExporter.builder().build().export(net);
            INDArray actual;
            try (OnnxRuntimeRunner ort = new OnnxRuntimeRunner(onnx)) {
                actual = ort.run(x);
            }
            double delta = Transforms.abs(actual.sub(expected)).maxNumber().doubleValue();
            // outputs that hardly depend on the input would agree whatever the export did
            double spread = expected.std(0).meanNumber().doubleValue();
            System.out.printf(
                    Locale.ROOT,
                    "%-14s %-12s max|delta| %.2e  output spread %.3f  %d KB  %.1f s%n",
                    name,
                    v,
                    delta,
                    spread,
                    onnx.length / 1024,
                    (System.nanoTime() - t0) / 1e9);
            assertThat(spread)
                    .as("%s %s: spread of outputs over inputs", name, v)
                    .isGreaterThan(1e-3);
            assertThat(actual.shape()).isEqualTo(expected.shape());
            assertThat(delta).as("%s %s: max |ONNX Runtime - DL4J|", name, v).isLessThan(1e-4);
        }
    }
}
