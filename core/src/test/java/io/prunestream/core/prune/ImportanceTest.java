package io.prunestream.core.prune;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * L1 and L2 scores of a hand-made conv weight [4 filters, 2 in, 1, 2], computed by hand. Filters 2
 * and 3 are ranked the other way round by the two norms: a criterion changes what is pruned.
 */
class ImportanceTest {
    private static final long[] SHAPE = {4, 2, 1, 2};
    // one row per filter (its 2 x 1 x 2 weights in c order)
    private static final float[] WEIGHTS = {
        1, -2, 3, -4, // filter 0
        0, 0, 0, 0, // filter 1
        3, 0, 0, 0, // filter 2: one large weight
        1, 1, -1, 1 // filter 3: four small ones
    };

    private static INDArray weight(char order) {
        INDArray c = Nd4j.create(WEIGHTS, SHAPE, 'c');
        return order == 'c' ? c : c.dup('f');
    }

    @Test
    void l1ScoresEachFilterBySumOfMagnitudes() {
        double[] s = new L1Norm().groupScores(weight('c'));
        // 1+2+3+4, 0, 3, 1+1+1+1
        assertThat(s).containsExactly(new double[] {10, 0, 3, 4}, within(1e-6));
        assertThat(s[2]).isLessThan(s[3]);
    }

    @Test
    void l2ScoresEachFilterByItsEuclideanNorm() {
        double[] s = new L2Norm().groupScores(weight('c'));
        // sqrt(1+4+9+16), 0, sqrt(9), sqrt(4)
        assertThat(s).containsExactly(new double[] {Math.sqrt(30), 0, 3, 2}, within(1e-6));
        assertThat(s[2]).isGreaterThan(s[3]);
    }

    @Test
    void perWeightScoresAreMagnitudesInCOrderForBothCriteria() {
        double[] expected = {1, 2, 3, 4, 0, 0, 0, 0, 3, 0, 0, 0, 1, 1, 1, 1};
        for (Importance i : new Importance[] {new L1Norm(), new L2Norm()}) {
            assertThat(i.weightScores(weight('c'))).as("%s", i).containsExactly(expected);
            // a weight laid out in Fortran order is scored in the same (c) order
            assertThat(i.weightScores(weight('f'))).as("%s, f order", i).containsExactly(expected);
        }
    }

    @Test
    void scoringLeavesTheWeightUnchanged() {
        INDArray w = weight('c');
        new L1Norm().weightScores(w);
        new L2Norm().groupScores(w);
        assertThat(w.data().asFloat()).containsExactly(WEIGHTS);
    }

    @Test
    void theConfigurationNamesPickTheCriteria() {
        assertThat(ImportanceCriterion.L1.importance()).isEqualTo(new L1Norm());
        assertThat(ImportanceCriterion.L2.importance()).isEqualTo(new L2Norm());
        assertThat(ImportanceCriterion.L2).hasToString("l2");
    }
}
