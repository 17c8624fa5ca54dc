package io.prunestream.apps.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.config.UsageException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The results folder: what is written reads back equal (NaNs, maps and lists included), runs the
 * plan asks for but that have no file yet make the table partial, and a folder without results is a
 * usage error.
 */
class Table1ResultsTest {

    static CellResult cell(long seed, String variant, double accuracy) {
        return cell(seed, variant, accuracy, null);
    }

    static CellResult cell(long seed, String variant, double accuracy, List<Long> hashes) {
        Map<String, Double> ratios = new LinkedHashMap<>();
        ratios.put("conv2", 58.25);
        ratios.put("conv3", 3.6e6);
        Map<String, Double> overlap = new LinkedHashMap<>();
        overlap.put("conv2", 0.75);
        overlap.put("conv3", 0.5);
        Map<String, Long> widths = new LinkedHashMap<>();
        widths.put("conv1", 16L);
        widths.put("conv2", 3L);
        widths.put("conv3", 6L);
        boolean converged = variant.endsWith("-converged");
        return new CellResult(
                "key " + variant,
                "fashion-mnist",
                "small-cnn",
                10_000,
                "inner",
                seed,
                0.9,
                variant,
                "pruned",
                1.0,
                Map.of("penalty.delta", "0.002", "penalty.ceiling", "1.0"),
                variant.startsWith("greg") ? 1001 : 0,
                converged ? 6013 : 1500,
                converged ? 7014 : 2501,
                variant.startsWith("greg") ? 1001 : 0,
                converged ? List.of(0.01, 0.001) : List.of(),
                converged ? List.of(4, 3) : List.of(),
                converged ? List.of(0.85, 0.86, 0.861, 0.8605, 0.88, 0.881, 0.8805) : List.of(),
                converged ? 859 : 0,
                false,
                accuracy,
                9_068,
                427_396,
                9.33,
                Double.NaN,
                ratios,
                58.25,
                Double.NaN,
                overlap,
                false,
                widths,
                312.5,
                "0123456789abcdef0123456789abcdef01234567",
                "./prunestream experiment --seeds 1,2",
                hashes);
    }

    static ConvergedBase.Info base(long seed) {
        return new ConvergedBase.Info(
                "base key",
                "fashion-mnist",
                "small-cnn",
                seed,
                6435,
                15.0,
                128,
                List.of(0.1, 0.01, 0.001),
                List.of(8, 4, 3),
                List.of(0.88, 0.9, 0.92),
                429,
                false,
                0.9232,
                0.9208,
                98_330,
                3_988_480,
                408.0,
                "0123456789abcdef0123456789abcdef01234567",
                "./prunestream experiment --seeds 1,2");
    }

    @Test
    void whatIsWrittenReadsBackEqual(@TempDir Path dir) {
        Path table = dir.resolve("fashion-mnist-small-cnn");
        Table1Results.writeCell(table, cell(1, "greg2-converged", 0.8731, List.of(1L, 2L)));
        Table1Results.writeBase(table, base(1));
        Table1Results.addPlan(
                table, new Table1Results.Plan(List.of(1L), List.of("seed1-r0.9-greg2-converged")));

        Table1Results.Loaded l = Table1Results.read(dir).get(0);

        assertThat(l.name()).isEqualTo("fashion-mnist-small-cnn");
        assertThat(table.resolve("seed1-r0.9-greg2-converged.json")).isRegularFile();
        CellResult back = l.cells().get(0);
        // the batch fingerprints are a test's check and stay out of the repository
        assertThat(back.batchHashes()).isNull();
        assertThat(back).isEqualTo(cell(1, "greg2-converged", 0.8731));
        assertThat(back.measuredSpeedup()).isNaN();
        assertThat(back.magnitudeRatios())
                .containsExactly(Map.entry("conv2", 58.25), Map.entry("conv3", 3.6e6));
        assertThat(l.bases()).containsExactly(base(1));
        assertThat(l.plan().runs()).containsExactly("seed1-r0.9-greg2-converged");
    }

    @Test
    void plansAddUpAndWhatIsMissingMakesTheTablePartial(@TempDir Path dir) throws Exception {
        Path table = dir.resolve("fashion-mnist-small-cnn");
        Table1Results.addPlan(
                table,
                new Table1Results.Plan(
                        List.of(1L, 2L),
                        List.of(
                                "seed1-r0.9-oneshot-l1-converged",
                                "seed2-r0.9-oneshot-l1-converged")));
        Table1Results.addPlan(
                table,
                new Table1Results.Plan(
                        List.of(1L, 2L),
                        List.of("seed1-r0.9-greg1-converged", "seed2-r0.9-greg1-converged")));
        Table1Results.writeBase(table, base(1));
        Table1Results.writeBase(table, base(2));
        Table1Results.writeCell(table, cell(1, "oneshot-l1-converged", 0.87));
        Table1Results.writeCell(table, cell(2, "oneshot-l1-converged", 0.86));
        Table1Results.writeCell(table, cell(1, "greg1-converged", 0.88));

        Table1Report.Section sec = Table1Report.section(Table1Results.read(dir).get(0));

        assertThat(sec.plannedRuns()).isEqualTo(4);
        assertThat(sec.missing()).containsExactly("seed2-r0.9-greg1-converged");
        String md = Table1Markdown.section(sec);
        assertThat(md)
                .contains("— **partial: 3 of 4 planned runs done**")
                .contains("| 0.9 | GReg-1 | 1,001 | ")
                .contains("| +1.00 (n = 1) |")
                .contains("| 1 of 2 (partial) |")
                .contains("Planned, no result yet: r0.9-greg1-converged (seeds 2).")
                .contains("- `0123456789ab`: `./prunestream experiment --seeds 1,2`");
        // one-shot L1 has both seeds: not partial
        assertThat(md).containsPattern("\\| 0\\.9 \\| one-shot L1 \\|[^\\n]*\\| 2 \\|\\n");
        Files.delete(table.resolve("plan.json"));
        assertThat(Table1Markdown.section(Table1Report.section(Table1Results.read(dir).get(0))))
                .doesNotContain("partial");
    }

    @Test
    void noResultsIsAUsageErrorThatSaysWhatToRun(@TempDir Path dir) {
        assertThatThrownBy(() -> Table1Results.read(dir.resolve("none")))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("run ./prunestream experiment first");
        assertThatThrownBy(() -> Table1Results.read(dir))
                .isInstanceOf(UsageException.class)
                .hasMessageContaining("holds no table folder");
    }
}
