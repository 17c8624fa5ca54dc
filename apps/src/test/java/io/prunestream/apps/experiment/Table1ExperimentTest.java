package io.prunestream.apps.experiment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.prunestream.core.data.Datasets;
import io.prunestream.core.penalty.NormPenalty;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A test-sized Table 1 on real Fashion-MNIST, every variant at one ratio: the step budgets are the
 * stated ones (worked out by hand below), the batches are identical across methods from the prune
 * step on (and all along for the equal-steps control), the counts follow the authors' convention,
 * and a rerun reads the cached base and runs instead of training.
 */
class Table1ExperimentTest {

    private static String[] args(Path out) {
        String[] pairs = {
            "--data", "fashion-mnist",
            "--seeds", "1",
            "--ratios", "0.7",
            "--extra-ratios", "0.7",
            "--variants",
                    "oneshot-l1-converged,greg1-converged,greg2-converged,greg1-lambda0-converged,"
                            + "oneshot-l1,oneshot-l1-equal-steps,oneshot-l1-equal-steps-greg2,"
                            + "greg1,greg1-lambda0,greg2",
            "--extra-variants", "greg1-bn-off,greg2-bn-off,greg2-bn-all,greg1-strong",
            "--train-samples", "3500",
            "--validation-samples", "500",
            "--test-samples", "1000",
            "--base.batch-size", "64",
            "--base.lr", "0.05,0.005",
            "--base.eval-every", "20",
            "--base.patience", "1",
            "--base.max-epochs", "2",
            "--finetune-iterations", "30",
            "--prune.lr.finetune", "0:0.01,20:0.001",
            "--prune.penalty.delta", "0.05",
            "--prune.penalty.stabilize", "20",
            "--prune.penalty.pick-delta", "0.01",
            "--prune.penalty.pick-ceiling", "0.05",
            "--prune.run.greg1-strong.penalty.delta", "0.5",
            "--prune.run.greg1-strong.penalty.ceiling", "10",
            "--prune.run.greg1-strong.penalty.stabilize", "20",
            "--converged.lr", "0.01,0.001",
            "--converged.eval-every", "10",
            "--timing-reps", "3",
            "--out", out.toString(),
            "--results", out.resolve("results").toString()
        };
        String[] all = Arrays.copyOf(pairs, pairs.length + 1);
        all[pairs.length] = "--record-batches"; // a flag: batch fingerprints for the checks below
        return all;
    }

    @Test
    void testSizedTableHasTheStatedBudgetsIdenticalBatchesAndRerunsFromCache(@TempDir Path out)
            throws Exception {
        Table1Settings s = Table1Command.parse(args(out));
        assertThat(s.data()).containsExactly(Datasets.FASHION_MNIST);
        assertThat(s.normPenalty()).isEqualTo(NormPenalty.PRUNED);
        assertThat(s.recordBatches()).isTrue();
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Table1Experiment.Result r =
                Table1Experiment.run(
                        s, new PrintStream(log, true, StandardCharsets.UTF_8), false, "test");
        Table1Report.Section sec = r.sections().get(0);
        Map<String, CellResult> c =
                sec.cells().stream()
                        .collect(Collectors.toMap(CellResult::variant, Function.identity()));
        assertThat(c)
                .containsOnlyKeys(
                        "oneshot-l1-converged",
                        "greg1-converged",
                        "greg2-converged",
                        "greg1-lambda0-converged",
                        "oneshot-l1",
                        "oneshot-l1-equal-steps",
                        "oneshot-l1-equal-steps-greg2",
                        "greg1",
                        "greg1-lambda0",
                        "greg2",
                        "greg1-bn-off",
                        "greg2-bn-off",
                        "greg2-bn-all",
                        "greg1-strong");

        // budgets by hand. GReg-1: lambda grows by 0.05 per step until it exceeds tau = 1:
        // 21 updates (21 * 0.05 = 1.05), then K_s = 20 -> R = 41 steps before the PRUNE step.
        // GReg-2: 5 uniform updates of 0.01 reach tau' = 0.05 (pick at step 5), then the push
        // from 0.05 needs 20 updates to exceed 1 (0.05 + 20 * 0.05 = 1.05): stabilise from
        // 5 + 21 = 26, prune at 26 + 20 = 46. Strong: 0.5 per step past 10 -> 21, + 20 = 41.
        long f = 30;
        assertThat(s.greg1StepsBeforePrune()).isEqualTo(41);
        assertBudget(c.get("oneshot-l1"), 0, f);
        assertBudget(c.get("oneshot-l1-equal-steps"), 0, 41 + f);
        assertBudget(c.get("greg1"), 41, f);
        assertBudget(c.get("greg1-lambda0"), 41, f);
        assertBudget(c.get("greg1-bn-off"), 41, f);
        assertBudget(c.get("greg1-strong"), 41, f);
        assertBudget(c.get("greg2"), 46, f);
        assertBudget(c.get("greg2-bn-all"), 46, f);
        // the equal-steps controls spend exactly GReg-1's and GReg-2's steps, all after pruning
        assertBudget(c.get("oneshot-l1-equal-steps-greg2"), 0, 46 + f);
        assertThat(c.get("oneshot-l1-equal-steps").totalSteps())
                .isEqualTo(c.get("greg1").totalSteps())
                .isEqualTo(71);
        assertThat(c.get("oneshot-l1-equal-steps-greg2").totalSteps())
                .isEqualTo(c.get("greg2").totalSteps())
                .isEqualTo(76);

        // converged arm: the methods' steps before pruning, then stages of 10-step evaluations
        // (0.01, then 0.001), each at least patience + 1 = 2 evaluations long, until the last
        // stage plateaus or the cap (2 epochs of 3 000 images at batch 64) is reached
        long cap = 2 * (3000 / 64); // BatchStream: whole batches per epoch
        assertConverged(c.get("oneshot-l1-converged"), 0, cap);
        assertConverged(c.get("greg1-converged"), 41, cap);
        assertConverged(c.get("greg1-lambda0-converged"), 41, cap);
        assertConverged(c.get("greg2-converged"), 46, cap);

        // batch identity across methods, by the contents of the batches trained on
        List<Long> finetune = c.get("oneshot-l1").batchHashes();
        assertThat(finetune).hasSize(30);
        for (CellResult x : c.values()) {
            if (x.variant().endsWith("-converged")) {
                continue; // below: they fine-tune for as long as their plateau says
            }
            List<Long> h = x.batchHashes();
            assertThat(h.subList((int) x.finetuneFrom(), h.size()))
                    .as("%s fine-tune batches", x.variant())
                    .isEqualTo(finetune);
        }
        // converged runs read the same fine-tune stream, as far as each goes
        List<Long> longest =
                c.values().stream()
                        .filter(x -> x.variant().endsWith("-converged"))
                        .map(
                                x ->
                                        x.batchHashes()
                                                .subList(
                                                        (int) x.finetuneFrom(),
                                                        (int) x.totalSteps()))
                        .max((a, b) -> Integer.compare(a.size(), b.size()))
                        .orElseThrow();
        assertThat(longest.subList(0, 30)).isEqualTo(finetune);
        for (CellResult x : c.values()) {
            List<Long> h = x.batchHashes().subList((int) x.finetuneFrom(), (int) x.totalSteps());
            assertThat(longest.subList(0, h.size())).as("%s", x.variant()).isEqualTo(h);
        }
        List<Long> greg1 = c.get("greg1").batchHashes();
        assertThat(c.get("oneshot-l1-equal-steps").batchHashes())
                .as("equal steps: every batch GReg-1 saw, in order")
                .isEqualTo(greg1);
        assertThat(c.get("oneshot-l1-equal-steps-greg2").batchHashes())
                .as("GReg-2's equal steps: every batch GReg-2 saw, in order")
                .isEqualTo(c.get("greg2").batchHashes());
        assertThat(c.get("greg1-converged").batchHashes().subList(0, 71)).isEqualTo(greg1);
        assertThat(c.get("greg1-lambda0").batchHashes()).isEqualTo(greg1);
        assertThat(c.get("greg2").batchHashes().subList(0, 41)).isEqualTo(greg1.subList(0, 41));
        assertThat(greg1.subList(0, 30))
                .as("the regularisation and fine-tune streams differ")
                .isNotEqualTo(finetune);
        assertThat(greg1.stream().distinct().count()).isEqualTo(71);

        // GReg-1 variants remove exactly the filters one-shot L1 removes
        for (String v :
                List.of(
                        "greg1",
                        "greg1-lambda0",
                        "greg1-bn-off",
                        "greg1-strong",
                        "greg1-converged",
                        "greg1-lambda0-converged",
                        "oneshot-l1-converged")) {
            assertThat(c.get(v).samePrunedSetAsL1()).as(v).isTrue();
            assertThat(c.get(v).overlapWithL1()).as(v).containsOnlyKeys("conv2", "conv3");
            assertThat(c.get(v).overlapWithL1().values()).as(v).containsOnly(1.0);
        }
        // GReg-2 picks its own filters: per layer, the share L1 would have removed too, and
        // together (weighted by the removed counts 23 and 45) the trainer's overall overlap
        CellResult g2 = c.get("greg2");
        assertThat(g2.overlapWithL1()).containsOnlyKeys("conv2", "conv3");
        assertThat(
                        (23 * g2.overlapWithL1().get("conv2")
                                        + 45 * g2.overlapWithL1().get("conv3"))
                                / 68)
                .isCloseTo(g2.pickOverlap(), within(1e-9));
        assertThat(c.get("greg2-converged").overlapWithL1()).isEqualTo(g2.overlapWithL1());
        assertThat(c.get("greg1").minMagnitudeRatio())
                .isGreaterThan(c.get("oneshot-l1").minMagnitudeRatio());

        // counts by the authors' convention, by hand (see NetworkCostTest for the base):
        // r = 0.7 keeps conv1 16 (reads the input: not pruned), conv2 32 - ceil(22.4) = 9,
        // conv3 64 - ceil(44.8) = 19. FLOPs 2 * (144 * 784 + 1296 * 196 + 1539 * 49
        // + 171 * 128 + 1280) = 930 982; params 144 + 1296 + 1539 + 171 * 128 + 128 + 1290.
        assertThat(sec.base().flops()).isEqualTo(3_988_480L);
        assertThat(sec.base().params()).isEqualTo(98_330L);
        Table1Report.Counts counts = sec.counts().get(0);
        assertThat(counts.widths())
                .containsExactly(
                        Map.entry("conv1", 16L), Map.entry("conv2", 9L), Map.entry("conv3", 19L));
        assertThat(counts.flops()).isEqualTo(930_982L);
        assertThat(counts.params()).isEqualTo(26_285L);
        assertThat(counts.flopsSpeedup()).isCloseTo(3_988_480.0 / 930_982, within(1e-9));

        String md = Files.readString(out.resolve("table1.md"));
        assertThat(md)
                .contains("| 0.7 | GReg-1 | 41 + 30 |")
                .contains("| 0.7 | one-shot L1 (b: GReg-1's total steps) | 0 + 71 |")
                .contains("| 0.7 | one-shot L1 (b: GReg-2's total steps) | 0 + 76 |")
                .contains("| 0.7 | GReg-1 | 41 | ")
                .contains("| 0.7 | 26,285 | 930,982 | 4.28× |");

        // the repository's record: every base and run with its build and command, and the
        // tables made from those files alone equal the run's own
        Path results = out.resolve("results").resolve("fashion-mnist-small-cnn");
        assertThat(results.resolve("plan.json")).isRegularFile();
        assertThat(results.resolve("base-seed1.json")).isRegularFile();
        assertThat(results.resolve("seed1-r0.7-greg2-converged.json")).isRegularFile();
        List<Table1Results.Loaded> loaded = Table1Results.read(out.resolve("results"));
        assertThat(loaded).hasSize(1);
        assertThat(loaded.get(0).cells()).hasSize(14);
        assertThat(loaded.get(0).cells())
                .allSatisfy(
                        x -> {
                            assertThat(x.command()).isEqualTo("test");
                            assertThat(x.revision()).isNotBlank();
                            assertThat(x.batchHashes()).isNull();
                        });
        assertThat(loaded.get(0).bases().get(0).command()).isEqualTo("test");
        assertThat(Table1Markdown.section(Table1Report.section(loaded.get(0))))
                .isEqualTo(Table1Markdown.section(sec));
        String text = log.toString(StandardCharsets.UTF_8);
        assertThat(text).contains("fashion-mnist s1 r0.7 greg1").contains("left]");

        // a rerun trains nothing: the base and every run come from --out
        ByteArrayOutputStream log2 = new ByteArrayOutputStream();
        long t0 = System.nanoTime();
        Table1Experiment.Result again =
                Table1Experiment.run(
                        s, new PrintStream(log2, true, StandardCharsets.UTF_8), false, "test");
        assertThat(log2.toString(StandardCharsets.UTF_8))
                .contains("base seed 1: cached")
                .contains("(cached: ");
        assertThat(again.sections().get(0).cells())
                .extracting(CellResult::accuracy)
                .isEqualTo(sec.cells().stream().map(CellResult::accuracy).toList());
        assertThat((System.nanoTime() - t0) / 1e9).isLessThan(r.seconds() / 2);

        // a converged run changes its rate within one run (optimizer state kept): one-shot L1
        // with the fixed budget of the same steps and rates ends on the same network
        CellResult conv = c.get("oneshot-l1-converged");
        long j = 10L * conv.evaluationsPerStage().get(0);
        String[] fixed =
                with(
                        args(out),
                        "--variants",
                        "oneshot-l1",
                        "--extra-variants",
                        "none",
                        "--finetune-iterations",
                        String.valueOf(conv.finetuneSteps()),
                        "--prune.lr.finetune",
                        "0:0.01," + j + ":0.001",
                        "--results",
                        out.resolve("results-fixed").toString());
        Table1Experiment.Result same =
                Table1Experiment.run(
                        Table1Command.parse(fixed),
                        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8),
                        false,
                        "test");
        CellResult replay = same.sections().get(0).cells().get(0);
        assertThat(replay.totalSteps()).isEqualTo(conv.totalSteps());
        assertThat(replay.batchHashes()).isEqualTo(conv.batchHashes());
        assertThat(replay.accuracy()).isEqualTo(conv.accuracy());
    }

    /** {@code argv} with the values of the given options replaced. */
    private static String[] with(String[] argv, String... pairs) {
        List<String> a = new java.util.ArrayList<>(List.of(argv));
        for (int i = 0; i < pairs.length; i += 2) {
            int at = a.indexOf(pairs[i]);
            a.set(at + 1, pairs[i + 1]);
        }
        return a.toArray(String[]::new);
    }

    private static void assertConverged(CellResult c, long before, long cap) {
        assertThat(c.stepsBeforePrune()).as("%s steps before prune", c.variant()).isEqualTo(before);
        assertThat(c.evalEvery()).isEqualTo(10);
        List<Integer> evals = c.evaluationsPerStage();
        assertThat(c.validationCurve()).hasSize(evals.stream().mapToInt(i -> i).sum());
        assertThat(c.finetuneLr()).isEqualTo(List.of(0.01, 0.001).subList(0, evals.size()));
        if (c.hitCap()) {
            assertThat(c.finetuneSteps()).as("%s at the cap", c.variant()).isEqualTo(cap);
        } else {
            assertThat(evals).as("%s stages", c.variant()).hasSize(2).allMatch(n -> n >= 2);
            assertThat(c.finetuneSteps()).isEqualTo(10L * evals.stream().mapToInt(i -> i).sum());
        }
        assertThat(c.totalSteps()).isEqualTo(before + c.finetuneSteps());
        assertThat(c.batchHashes()).hasSize((int) c.totalSteps());
    }

    private static void assertBudget(CellResult c, long before, long finetune) {
        assertThat(c.stepsBeforePrune()).as("%s steps before prune", c.variant()).isEqualTo(before);
        assertThat(c.finetuneSteps()).as("%s fine-tune steps", c.variant()).isEqualTo(finetune);
        assertThat(c.totalSteps()).isEqualTo(before + finetune);
        assertThat(c.batchHashes()).hasSize((int) (before + finetune));
    }

    @Test
    void equalStepsControlRunsAtGreg1sLearningRateEveryStep(@TempDir Path out) {
        Table1Settings s = Table1Command.parse(args(out));
        var greg1 = s.lrFinetune();
        var control = Table1Experiment.lrFinetune(s, Variant.ONESHOT_L1_EQUAL_STEPS);
        // GReg-1: 41 steps at lr.prune 0.01, then the fine-tune schedule from its PRUNE step
        for (long t = 0; t < 41; t++) {
            assertThat(control.at(t)).isEqualTo(s.lrPrune());
        }
        for (long j = 0; j < 30; j++) {
            assertThat(control.at(41 + j)).as("step %d", 41 + j).isEqualTo(greg1.at(j));
        }
        assertThat(control.at(41 + 20)).isEqualTo(0.001);
        assertThat(Table1Experiment.lrFinetune(s, Variant.GREG1)).isSameAs(greg1);
    }
}
