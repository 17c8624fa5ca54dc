package io.prunestream.apps.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prunestream.apps.Main;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code ./prunestream experiment-continuous} at a tiny size, through the command line: a base, a
 * continuous run whose cycles are tested, one-shot GReg-1 at exactly its final widths (the same
 * FLOPs) for the same steps, and the README's table.
 */
class ContinuousExperimentTest {

    @Test
    void continuousAgainstOneShotAtTheSameWidths(@TempDir Path out) throws Exception {
        String[] args = {
            "experiment-continuous",
            "--seeds",
            "1",
            "--steps",
            "150",
            "--prune.cycle.finetune",
            "20",
            "--prune.cycle.step",
            "0.3",
            "--prune.budget.accuracy-drop",
            "5",
            "--cycle.penalty.delta",
            "0.25",
            "--cycle.penalty.stabilize",
            "2",
            "--prune.eval.interval",
            "20",
            "--train-samples",
            "3500",
            "--validation-samples",
            "500",
            "--test-samples",
            "500",
            "--base.batch-size",
            "64",
            "--base.lr",
            "0.05",
            "--base.eval-every",
            "20",
            "--base.patience",
            "1",
            "--base.max-epochs",
            "1",
            "--prune.penalty.delta",
            "0.1",
            "--prune.penalty.stabilize",
            "10",
            "--out",
            out.toString()
        };
        int exit = Main.commandLine().execute(args);
        assertThat(exit).isZero();
        JsonNode r = new ObjectMapper().readTree(out.resolve("continuous.json").toFile()).get(0);
        // cycle 0 (the base, published as the reference) and at least one cycle after it
        assertThat(r.path("cycles").size()).isGreaterThanOrEqualTo(2);
        assertThat(r.path("cycles").get(0).path("cycle").asInt()).isZero();
        assertThat(r.path("finalSpeedup").asDouble()).isGreaterThan(1);
        // the one-shot run is pruned to exactly the continuous run's final widths
        assertThat(r.path("greg1Speedup").asDouble()).isEqualTo(r.path("finalSpeedup").asDouble());
        assertThat(r.path("steps").asLong()).isEqualTo(150);
        String md = Files.readString(out.resolve("continuous.md"));
        assertThat(md)
                .contains("| cycle | kept in | FLOPs speed-up |")
                .contains("| 0 | 1 of 1 seeds | 1.00x |")
                .contains("| one-shot GReg-1, same final widths |")
                .contains("(partial: 1 seed(s) of 3)");
        // a rerun reads the finished seed instead of training it again, and prints the same table
        Files.delete(out.resolve("continuous.md"));
        java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
        java.io.PrintStream stdout = System.out;
        System.setOut(new java.io.PrintStream(buf, true, java.nio.charset.StandardCharsets.UTF_8));
        try {
            assertThat(Main.commandLine().execute(args)).isZero();
        } finally {
            System.setOut(stdout);
        }
        assertThat(buf.toString(java.nio.charset.StandardCharsets.UTF_8))
                .contains("seed 1: finished before with these settings");
        assertThat(Files.readString(out.resolve("continuous.md"))).isEqualTo(md);
    }

    @Test
    void aSeedsResultIsKeyedByEverySettingButTheListOfSeeds() {
        ContinuousCommand one = new ContinuousCommand();
        new picocli.CommandLine(one).parseArgs("--seeds", "1");
        ContinuousCommand three = new ContinuousCommand();
        new picocli.CommandLine(three).parseArgs("--seeds", "1,2,3");
        ContinuousCommand longer = new ContinuousCommand();
        new picocli.CommandLine(longer).parseArgs("--seeds", "1", "--steps", "7000");
        String key = ContinuousExperiment.seedKey(one.settings());
        assertThat(ContinuousExperiment.seedKey(three.settings())).isEqualTo(key);
        assertThat(ContinuousExperiment.seedKey(longer.settings())).isNotEqualTo(key);
        assertThat(one.settings().toString()).contains("seeds=[1]");
    }
}
