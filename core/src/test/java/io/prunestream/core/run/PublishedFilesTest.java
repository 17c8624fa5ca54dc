package io.prunestream.core.run;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.Network;
import io.prunestream.core.store.ModelFiles;
import io.prunestream.core.store.ModelStore;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A published version carries the network as DL4J's zip and as ONNX, with both SHA-256; a network
 * the exporter cannot write is still published and stored, zip only, its files saying why.
 */
class PublishedFilesTest {
    @TempDir Path tmp;

    private static final RunSettings SETTINGS =
            PruningRunGuardTest.settings(GuardSettings.DEFAULTS);

    @Test
    void aVersionCarriesBothFilesAndTheirHashes() throws IOException {
        PruningRun run = PruningRun.create(SETTINGS, tmp);
        run.step(batch(SETTINGS.spec().model().input(), 4), null);
        Publication p = run.publish(null, false);

        ModelFiles f = p.version().files();
        assertThat(p.onnx()).isNotNull();
        assertThat(f.zip()).isEqualTo("model.zip");
        assertThat(f.zipSha256()).isEqualTo(ModelStore.modelHash(p.model()));
        assertThat(f.onnx()).isEqualTo("model.onnx");
        assertThat(f.onnxSha256()).isEqualTo(ModelStore.sha256(p.onnx())).hasSize(64);
        assertThat(f.onnxError()).isNull();

        Publication back = Publication.CODEC.fromBytes(Publication.CODEC.toBytes(p));
        assertThat(back.version().files()).isEqualTo(f);
        assertThat(ModelStore.toJson(back.version())).isEqualTo(ModelStore.toJson(p.version()));
        assertThat(back.onnx()).isEqualTo(p.onnx());

        Path dir = Path.of(p.version().path());
        ModelStore.save(dir, p.model(), p.onnx(), p.version().report());
        assertThat(files(dir)).containsExactlyInAnyOrder("model.zip", "model.onnx", "report.json");
        assertThat(ModelStore.sha256(Files.readAllBytes(dir.resolve("model.onnx"))))
                .isEqualTo(f.onnxSha256());
        assertThat(ModelStore.modelHash(dir)).isEqualTo(f.zipSha256());
    }

    @Test
    void aNetworkTheExporterCannotWriteIsPublishedAndStoredZipOnly() throws IOException {
        InputShape in = SETTINGS.spec().model().input();
        PruningRun run = PruningRun.from(SETTINGS, withLocalResponseNormalization(in));
        run.step(batch(in, 4), null);
        Publication p = run.publish(null, false);

        assertThat(p.model()).isNotEmpty();
        assertThat(p.onnx()).isNull();
        ModelFiles f = p.version().files();
        assertThat(f.zipSha256()).isEqualTo(ModelStore.modelHash(p.model()));
        assertThat(f.onnx()).isNull();
        assertThat(f.onnxSha256()).isNull();
        assertThat(f.onnxError())
                .startsWith("cannot export layer 'lrn' (LocalResponseNormalization) to ONNX")
                .doesNotContain("\n");
        assertThat(Publication.CODEC.fromBytes(Publication.CODEC.toBytes(p)).version().files())
                .isEqualTo(f);

        Path dir = tmp.resolve("g").resolve("v0001");
        ModelStore.save(dir, p.model(), p.onnx(), p.version().report());
        assertThat(files(dir)).containsExactlyInAnyOrder("model.zip", "report.json");
        assertThat(ModelStore.load(dir).network().params()).isEqualTo(run.network().params());

        Path saved = ModelStore.save(tmp.resolve("direct"), run.network(), p.version().report());
        assertThat(files(saved)).containsExactlyInAnyOrder("model.zip", "report.json");
    }

    @Test
    void versionsAndPublicationsOfFormatOneAreStillRead() throws IOException {
        PruningRun run = PruningRun.create(SETTINGS, tmp);
        run.step(batch(SETTINGS.spec().model().input(), 4), null);
        Publication p = run.publish(null, false);
        ModelVersion v = p.version();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(1); // publication format 1
            out.writeByte(1); // model version format 1: no files
            out.writeUTF(v.runId());
            out.writeInt(v.version());
            out.writeBoolean(true);
            out.writeUTF(v.path());
            out.writeBoolean(v.last());
            byte[] report = ModelStore.toJson(v.report());
            out.writeInt(report.length);
            out.write(report);
            out.writeInt(p.model().length);
            out.write(p.model());
        }
        Publication old = Publication.CODEC.fromBytes(bytes.toByteArray());
        assertThat(old.version().files()).isNull();
        assertThat(old.onnx()).isNull();
        assertThat(old.model()).isEqualTo(p.model());
        assertThat(ModelStore.toJson(old.version().report()))
                .isEqualTo(ModelStore.toJson(v.report()));
    }

    private static Network withLocalResponseNormalization(InputShape in) {
        MultiLayerNetwork m =
                new MultiLayerNetwork(
                        new NeuralNetConfiguration.Builder()
                                .dataType(DataType.FLOAT)
                                .list()
                                .layer(
                                        new ConvolutionLayer.Builder(3, 3)
                                                .name("conv")
                                                .nOut(4)
                                                .build())
                                .layer(new LocalResponseNormalization.Builder().name("lrn").build())
                                .layer(
                                        new OutputLayer.Builder()
                                                .name("out")
                                                .nOut(SETTINGS.spec().model().classes())
                                                .activation(Activation.SOFTMAX)
                                                .build())
                                .setInputType(
                                        InputType.convolutional(
                                                in.height(), in.width(), in.channels()))
                                .build());
        m.init();
        return Network.of(m, in);
    }

    private static DataSet batch(InputShape in, int n) {
        Nd4j.getRandom().setSeed(1);
        var y = Nd4j.zeros(DataType.FLOAT, n, SETTINGS.spec().model().classes());
        for (int i = 0; i < n; i++) {
            y.putScalar(i, i % y.size(1), 1f);
        }
        return new DataSet(Nd4j.rand(DataType.FLOAT, in.batchShape(n)), y);
    }

    private static Stream<String> filesStream(Path dir) throws IOException {
        return Files.list(dir).map(f -> f.getFileName().toString());
    }

    private static java.util.List<String> files(Path dir) throws IOException {
        try (Stream<String> s = filesStream(dir)) {
            return s.toList();
        }
    }
}
