package io.prunestream.core.data;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.nn.InputShape;
import java.util.Arrays;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.dataset.DataSet;

class BatchStreamTest {

    /** 10 one-pixel images whose pixel value is the image's index (and label = index mod 3). */
    private static LabelledImages tenImages() {
        byte[] px = new byte[10];
        int[] labels = new int[10];
        for (int i = 0; i < 10; i++) {
            px[i] = (byte) i;
            labels[i] = i % 3;
        }
        return new LabelledImages("t", new InputShape(1, 1, 1), 3, px, labels);
    }

    @Test
    void batchIsAFunctionOfItsIndexWhateverWasReadBefore() {
        BatchStream inOrder = new BatchStream(tenImages(), 3, 7);
        BatchStream jumping = new BatchStream(tenImages(), 3, 7);
        int[][] seen = new int[12][];
        for (int i = 0; i < 12; i++) {
            seen[i] = inOrder.indices(i);
        }
        for (int i : new int[] {11, 0, 7, 3, 3, 10, 1}) {
            assertThat(jumping.indices(i)).as("batch %d", i).isEqualTo(seen[i]);
        }
        BatchStream cursor = new BatchStream(tenImages(), 3, 7);
        for (int i = 0; i < 12; i++) {
            DataSet b = cursor.next();
            float[] pixels = b.getFeatures().dup('c').data().asFloat();
            for (int k = 0; k < 3; k++) {
                // the pixel of image j is j / 255
                assertThat(Math.round(pixels[k] * 255)).isEqualTo(seen[i][k]);
                assertThat(b.getLabels().getFloat(k, seen[i][k] % 3)).isEqualTo(1f);
            }
        }
        assertThat(cursor.epoch()).isEqualTo(4); // 3 full batches per epoch of 10
    }

    @Test
    void eachEpochIsAPermutationAndEpochsDiffer() {
        BatchStream s = new BatchStream(tenImages(), 3, 7);
        assertThat(s.batchesPerEpoch()).isEqualTo(3);
        int[] epoch0 = epoch(s, 0);
        int[] epoch1 = epoch(s, 1);
        // 9 of the 10 images per epoch, none twice
        assertThat(IntStream.of(epoch0).distinct().count()).isEqualTo(9);
        assertThat(IntStream.of(epoch1).distinct().count()).isEqualTo(9);
        assertThat(epoch0).isNotEqualTo(epoch1);
        assertThat(epoch(new BatchStream(tenImages(), 3, 8), 0)).isNotEqualTo(epoch0);
    }

    private static int[] epoch(BatchStream s, int e) {
        return IntStream.range(0, s.batchesPerEpoch())
                .flatMap(b -> Arrays.stream(s.indices((long) e * s.batchesPerEpoch() + b)))
                .toArray();
    }
}
