package io.prunestream.core.nn.imports;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.imports.ImportFixtures.Fixture;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Every fixture made by PyTorch (ONNX, BatchNorm folded and kept) or written in Keras' HDF5 layout
 * imports to a network that computes what the source framework computed on the same inputs, and
 * says the input shape and classes the file states.
 */
class ModelImportsTest {

    static List<Fixture> fixtures() {
        return ImportFixtures.all();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void importsWithTheSourceFrameworksOutputs(Fixture f) {
        ImportedModel m = ModelImports.read(f.file());

        assertThat(m.format()).isEqualTo(f.format());
        assertThat(m.source()).isEqualTo(f.file());
        assertThat(m.input()).isEqualTo(f.input());
        assertThat(m.classes()).isEqualTo(f.classes());
        assertThat(m.network().inputShape()).isEqualTo(f.input());
        assertThat(m.network().params().dataType()).isEqualTo(DataType.FLOAT);

        // the network's output is the softmax of the source's logits ...
        INDArray probabilities = m.network().output(f.inputs());
        INDArray expected = Transforms.softmax(f.logits().castTo(DataType.DOUBLE), true);
        double probDelta = maxAbs(probabilities.castTo(DataType.DOUBLE).sub(expected));
        // ... and its output layer computes the logits themselves (softmax hides shifts)
        double logitDelta = maxAbs(logits(m.network(), f.inputs()).sub(f.logits()));
        System.out.printf(
                "fixture %-18s max |delta| logits %.2e, probabilities %.2e%n",
                f.name(), logitDelta, probDelta);
        assertThat(logitDelta).isLessThan(1e-4);
        assertThat(probDelta).isLessThan(1e-4);
    }

    /** What the final OutputLayer computes before its softmax, from DL4J's own activations. */
    static INDArray logits(Network net, INDArray x) {
        INDArray in;
        Map<String, INDArray> p;
        OutputLayer out;
        if (net.model() instanceof ComputationGraph g) {
            String name = g.getConfiguration().getNetworkOutputs().get(0);
            String before = g.getConfiguration().getVertexInputs().get(name).get(0);
            in = g.feedForward(x, false).get(before);
            out = (OutputLayer) g.getLayer(name).conf().getLayer();
            p = g.getLayer(name).paramTable();
        } else {
            MultiLayerNetwork n = (MultiLayerNetwork) net.model();
            int last = n.getnLayers() - 1;
            in = n.feedForward(x, false).get(last); // activations list starts with the input
            out = (OutputLayer) n.getLayer(last).conf().getLayer();
            p = n.getLayer(last).paramTable();
        }
        assertThat(out.getActivationFn().toString()).isEqualTo("softmax");
        INDArray z = in.reshape(in.size(0), -1).mmul(p.get("W"));
        return p.containsKey("b") ? z.addRowVector(p.get("b")) : z;
    }

    static double maxAbs(INDArray a) {
        return a.amaxNumber().doubleValue();
    }
}
