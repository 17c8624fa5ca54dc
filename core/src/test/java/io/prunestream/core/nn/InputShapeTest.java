package io.prunestream.core.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.junit.jupiter.api.Test;

/** Images (rank 3) as before, and feature vectors (rank 1) for MLPs on tabular data. */
class InputShapeTest {

    @Test
    void anImageIsRankThreeAsBefore() {
        InputShape s = new InputShape(3, 32, 30);

        assertThat(s.rank()).isEqualTo(3);
        assertThat(s.isVector()).isFalse();
        assertThat(s.batchShape(4)).containsExactly(4, 3, 32, 30);
        assertThat(s.size()).isEqualTo(3 * 32 * 30);
        assertThat(s.toString()).isEqualTo("3x32x30");
        assertThat(s.toInputType()).isEqualTo(InputType.convolutional(32, 30, 3));
        assertThat(InputShape.parse("3x32x30")).isEqualTo(s);
    }

    @Test
    void aVectorIsRankOneWithItsFeatures() {
        InputShape v = InputShape.vector(32);

        assertThat(v.rank()).isEqualTo(1);
        assertThat(v.isVector()).isTrue();
        assertThat(v.batchShape(8)).containsExactly(8, 32);
        assertThat(v.size()).isEqualTo(32);
        assertThat(v.toString()).isEqualTo("32");
        assertThat(v.toInputType()).isEqualTo(InputType.feedForward(32));
        assertThat(InputShape.parse(" 32 ")).isEqualTo(v);
        assertThat(v).isNotEqualTo(new InputShape(32, 1, 1));
    }

    @Test
    void badShapesSayWhatToWrite() {
        assertThatThrownBy(() -> InputShape.parse("1x28"))
                .hasMessageContaining("write CxHxW (e.g. 1x28x28) or a number of features");
        assertThatThrownBy(() -> new InputShape(4, 2, 1, 1))
                .hasMessageContaining("a feature vector has height and width 1");
        assertThatThrownBy(() -> new InputShape(4, 1, 1, 2)).hasMessageContaining("rank");
    }

    @Test
    void javaSerialisationKeepsTheRank() throws Exception {
        for (InputShape s : new InputShape[] {InputShape.MNIST, InputShape.vector(7)}) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
                out.writeObject(s);
            }
            try (ObjectInputStream in =
                    new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
                assertThat(in.readObject()).isEqualTo(s);
            }
        }
    }
}
