package io.prunestream.apps.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.data.Datasets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A short Table-1 run on real Fashion-MNIST: the regularised runs drive the pruned filters far
 * below the kept ones before pruning, L1 and GReg-1 prune the same set, and the table is written.
 */
class Table1ExperimentTest {

    @Test
    void shortRunReachesMagnitudeRatioAbove100InEveryPrunedLayer(@TempDir Path out)
            throws Exception {
        Table1Experiment.Settings s =
                Table1Experiment.parse(
                        new String[] {
                            "--train-samples", "4000",
                            "--test-samples", "1000",
                            "--base-iterations", "200",
                            "--ratios", "0.7",
                            "--finetune-iterations", "40",
                            "--eval-every", "40",
                            "--prune.penalty.delta", "0.01",
                            "--prune.penalty.stabilize", "100",
                            "--out", out.toString()
                        });
        assertThat(s.data()).isEqualTo(Datasets.FASHION_MNIST);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Table1Experiment.Result r =
                Table1Experiment.run(s, new PrintStream(log, true, StandardCharsets.UTF_8));

        assertThat(r.identicalPrunedSets()).isTrue();
        assertThat(r.rows()).hasSize(3);
        for (Table1Experiment.Row row : r.rows()) {
            assertThat(row.params()).isLessThan(r.baseParams());
            assertThat(row.flopsSpeedup()).isGreaterThan(2);
            if (!row.method().equals("oneshot-l1")) {
                assertThat(row.magnitudeRatios()).isNotEmpty();
                assertThat(row.magnitudeRatios().values())
                        .as("%s kept/pruned magnitude ratio per layer", row.method())
                        .allSatisfy(v -> assertThat(v).isGreaterThan(100));
            }
        }
        assertThat(r.baseAccuracy()).isGreaterThan(0.6);
        assertThat(Files.readString(out.resolve("table1.md"))).contains("| 0.7 | greg1 |");
        assertThat(out.resolve("table1.json")).exists();
    }
}
