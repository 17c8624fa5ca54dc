package io.prunestream.job.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import org.junit.jupiter.api.Test;

/** The unfinished mini-batch is state: written with a version byte, read back exactly. */
class SamplesTest {

    @Test
    void roundTripsWithItsFormatVersion() {
        Samples s =
                new Samples(
                        "r90", "r90@3", 2, new float[] {0f, 1f, -2.5f, 1e-7f}, new int[] {3, 9});
        byte[] bytes = Samples.CODEC.toBytes(s);
        assertThat(bytes[0]).as("format version").isEqualTo((byte) 1);
        Samples back = Samples.CODEC.fromBytes(bytes);
        assertThat(back.runId).isEqualTo("r90");
        assertThat(back.key).isEqualTo("r90@3");
        assertThat(back.count).isEqualTo(2);
        assertThat(back.features).containsExactly(0f, 1f, -2.5f, 1e-7f);
        assertThat(back.labels).containsExactly(3, 9);
    }

    @Test
    void aNewerFormatIsRefusedByName() {
        byte[] bytes = Samples.CODEC.toBytes(new Samples("a", "a", 0, new float[0], new int[0]));
        bytes[0] = 7;
        assertThatThrownBy(() -> Samples.CODEC.fromBytes(bytes))
                .isInstanceOf(UncheckedIOException.class)
                .hasMessageContaining("pending samples has format version 7")
                .hasMessageContaining("reads versions 1 to 1");
    }
}
