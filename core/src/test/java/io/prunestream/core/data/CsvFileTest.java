package io.prunestream.core.data;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.config.UsageException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** CSV rows as labelled feature vectors: header detection, label column, one-line row errors. */
class CsvFileTest {
    @TempDir Path tmp;

    private String write(String name, String text) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p.toString();
    }

    @Test
    void readsRowsWithTheLabelLastAndSkipsAHeaderAndBlankLines() throws IOException {
        String f = write("a.csv", "x1,x2,label\n0.5,-1,2\n\n\"1e-3\", 4 ,0\n");
        LabelledVectors v = CsvFile.of(f).load(Long.MAX_VALUE);
        assertThat(v.features()).isEqualTo(2);
        assertThat(v.values()).containsExactly(0.5f, -1f, 1e-3f, 4f);
        assertThat(v.labels()).containsExactly(2, 0);
        assertThat(v.classes()).isEqualTo(3);
        assertThat(v.shape().isVector()).isTrue();
    }

    @Test
    void aFirstLineOfNumbersIsData() throws IOException {
        String f = write("b.csv", "1,0.25,0.75\n0,1.5,2.5\n3,7,8\n");
        LabelledVectors v = CsvFile.of(f).withLabelColumn(0).load(2);
        assertThat(v.labels()).containsExactly(1, 0);
        assertThat(v.values()).containsExactly(0.25f, 0.75f, 1.5f, 2.5f);
    }

    @Test
    void badRowsNameFileLineAndColumn() throws IOException {
        String fields = write("c.csv", "a,b,y\n1,2,0\n1,2\n");
        assertThatThrownBy(() -> CsvFile.of(fields).load(10))
                .isInstanceOf(UsageException.class)
                .hasMessage(fields + ":3: 2 fields, expected 3 as in the file's first line");
        String word = write("d.csv", "1,2,0\n1,x,1\n");
        assertThatThrownBy(() -> CsvFile.of(word).load(10))
                .hasMessage(word + ":2: column 1 ('x') is not a number");
        String label = write("e.csv", "1,2,0\n1,2,cat\n");
        assertThatThrownBy(() -> CsvFile.of(label).load(10))
                .hasMessageStartingWith(label + ":2: label (column 2) is 'cat', expected a class");
        String nan = write("f.csv", "1,NaN,0\n");
        assertThatThrownBy(() -> CsvFile.of(nan).load(10))
                .hasMessage(nan + ":1: column 1 is NaN, expected a finite number");
        assertThatThrownBy(() -> CsvFile.of(nan).withLabelColumn(5).load(10))
                .hasMessageContaining(":1: label column 5, but the file has 3 columns");
        assertThatThrownBy(() -> CsvFile.of(tmp.resolve("none.csv").toString()).load(10))
                .hasMessageContaining("none.csv: no such file");
        assertThat(SampleSource.parse("csv:" + nan)).isEqualTo(CsvFile.of(nan));
        assertThat(SampleSource.parse("mnist")).isEqualTo(Datasets.MNIST);
        assertThatThrownBy(() -> SampleSource.parse("cifar"))
                .hasMessageContaining("fashion-mnist, mnist or csv:FILE");
    }
}
