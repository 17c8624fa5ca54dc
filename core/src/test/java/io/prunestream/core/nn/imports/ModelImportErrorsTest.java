package io.prunestream.core.nn.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.OptimizerSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import onnx.Onnx.AttributeProto;
import onnx.Onnx.ModelProto;
import onnx.Onnx.NodeProto;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files the import cannot use fail with one line that names the file, the node or layer where there
 * is one, and the reason: what a command prints before it exits with status 2.
 */
class ModelImportErrorsTest {

    @TempDir Path dir;

    private UsageException readFails(Path file) {
        UsageException e =
                catchThrowableOfType(() -> ModelImports.read(file), UsageException.class);
        assertThat(e).as("reading %s", file).isNotNull();
        assertThat(e.getMessage()).doesNotContain("\n").startsWith(file.toString() + ": ");
        return e;
    }

    private Path write(String name, byte[] bytes) throws IOException {
        return Files.write(dir.resolve(name), bytes);
    }

    /** The resnet20 fixture with one node changed. */
    private Path resnetWith(String name, java.util.function.UnaryOperator<NodeProto> change, int at)
            throws IOException {
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(ImportFixtures.DIR.resolve(name)));
        ModelProto.Builder b = m.toBuilder();
        b.getGraphBuilder().setNode(at, change.apply(m.getGraph().getNode(at)));
        return write("changed-" + name, b.build().toByteArray());
    }

    private static int firstNode(String file, String op) throws IOException {
        ModelProto m = ModelProto.parseFrom(Files.readAllBytes(ImportFixtures.DIR.resolve(file)));
        for (int i = 0; i < m.getGraph().getNodeCount(); i++) {
            if (m.getGraph().getNode(i).getOpType().equals(op)) {
                return i;
            }
        }
        throw new AssertionError(file + " has no " + op);
    }

    @Test
    void anUnsupportedOpNamesTheNodeTheOpAndTheSupportedOps() throws IOException {
        int relu = firstNode("resnet20.onnx", "Relu");
        Path f = resnetWith("resnet20.onnx", n -> n.toBuilder().setOpType("Erf").build(), relu);

        UsageException e = readFails(f);

        assertThat(e.getMessage())
                .contains("ONNX node '/Relu' has op Erf")
                .contains("supported ops: Conv (group 1 or depthwise), BatchNormalization")
                .contains("Softmax");
    }

    @Test
    void aGroupedConvolutionThatIsNotDepthwiseNamesTheNode() throws IOException {
        int conv = -1;
        ModelProto m =
                ModelProto.parseFrom(
                        Files.readAllBytes(ImportFixtures.DIR.resolve("inception.onnx")));
        for (int i = 0; i < m.getGraph().getNodeCount(); i++) {
            for (AttributeProto a : m.getGraph().getNode(i).getAttributeList()) {
                if (a.getName().equals("group") && a.getI() > 1) {
                    conv = i;
                }
            }
        }
        int at = conv;
        String name = m.getGraph().getNode(at).getName();
        Path f =
                resnetWith(
                        "inception.onnx",
                        n -> {
                            NodeProto.Builder b = n.toBuilder().clearAttribute();
                            for (AttributeProto a : n.getAttributeList()) {
                                b.addAttribute(
                                        a.getName().equals("group")
                                                ? a.toBuilder().setI(2).build()
                                                : a);
                            }
                            return b.build();
                        },
                        at);

        assertThat(readFails(f).getMessage())
                .contains("ONNX node '" + name + "' (Conv)")
                .contains("grouped convolution (group 2 on 8 channels)");
    }

    @Test
    void aTruncatedOnnxFileSaysSo() throws IOException {
        byte[] all = Files.readAllBytes(ImportFixtures.DIR.resolve("vgg11_bn.onnx"));
        Path f = write("cut.onnx", Arrays.copyOf(all, all.length / 2));

        assertThat(readFails(f).getMessage()).contains("truncated or corrupt");
    }

    @Test
    void aTruncatedKerasFileSaysItCannotBeImported() throws IOException {
        byte[] all = Files.readAllBytes(ImportFixtures.DIR.resolve("keras_cnn.h5"));
        Path f = write("cut.h5", Arrays.copyOf(all, all.length / 2));

        assertThat(readFails(f).getMessage()).contains("not a readable HDF5 file (truncated");
    }

    @Test
    void aKerasLayerDl4jCannotImportIsNamed() {
        Path f = ImportFixtures.DIR.resolve("keras_lambda.h5");

        assertThat(readFails(f).getMessage())
                .contains("cannot import the Keras model")
                .contains("Lambda layer twice");
    }

    @Test
    void aTruncatedDl4jZipSaysSo() throws IOException {
        byte[] all =
                ModelSpec.smallCnn(new InputShape(1, 12, 12), 4, 1)
                        .build(OptimizerSpec.sgd(0.1, 0))
                        .toBytes(false);
        Path f = write("cut.zip", Arrays.copyOf(all, all.length / 2));

        assertThat(readFails(f).getMessage()).contains("truncated");
    }

    @Test
    void aFileThatIsNoModelSaysWhatIsExpected() throws IOException {
        Path f = write("notes.onnx", "just some text\n".getBytes(StandardCharsets.UTF_8));

        assertThat(readFails(f).getMessage())
                .contains("not a model file")
                .contains("DL4J model zip, a Keras 2 HDF5 file (.h5) or an ONNX file");
    }

    @Test
    void aMissingFileSaysSo() {
        assertThat(readFails(dir.resolve("nowhere.onnx")).getMessage())
                .contains("no such model file");
    }

    @Test
    void aShapeTheModelCannotRunOnIsRefusedWhenGiven() throws IOException {
        Path f =
                write(
                        "cnn.zip",
                        ModelSpec.smallCnn(new InputShape(1, 12, 12), 4, 1)
                                .build(OptimizerSpec.sgd(0.1, 0))
                                .toBytes(false));
        ImportedModel m = ModelImports.read(f);

        UsageException e =
                catchThrowableOfType(
                        () -> m.withInput(new InputShape(3, 12, 12)), UsageException.class);

        assertThat(e.getMessage())
                .doesNotContain("\n")
                .startsWith(f + ": the model does not run on its input 3x12x12: ");
    }

    @Test
    void aModelWhoseInputDiffersFromTheGivenShapeNamesBoth() {
        ImportedModel m = ModelImports.read(ImportFixtures.DIR.resolve("mlp.onnx"));

        UsageException e =
                catchThrowableOfType(
                        () -> m.withInput(new InputShape(1, 28, 28)), UsageException.class);

        assertThat(e.getMessage())
                .doesNotContain("\n")
                .contains("the model takes input 32 but 1x28x28 was given");
    }
}
