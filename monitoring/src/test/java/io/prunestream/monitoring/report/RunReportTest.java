package io.prunestream.monitoring.report;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.store.PruningReport;
import io.prunestream.core.train.LayerStats;
import io.prunestream.monitoring.Events;
import java.awt.GraphicsEnvironment;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunReportTest {

    private static final List<String> CHARTS =
            List.of(
                    RunReport.LAMBDA_PNG,
                    RunReport.RATIO_PNG,
                    RunReport.LOSS_PNG,
                    RunReport.WIDTHS_PNG);

    @TempDir Path tmp;

    @Test
    void writesChartsAndAnOfflinePageForARun() throws Exception {
        assertThat(GraphicsEnvironment.isHeadless()).as("tests run headless").isTrue();
        RunReport report = new RunReport("r1");
        for (int i = 0; i < 200; i++) {
            report.add(Events.step("r1", i, 200));
        }
        Map<String, Object> summary = new LinkedHashMap<>();
        summary.put("method", "greg1");
        summary.put("base accuracy", 0.9321);
        summary.put("pruned accuracy", 0.9287);
        summary.put("params", 50_000L);
        summary.put("FLOPs speed-up", 2.5);
        summary.put("model", "models/r1/v3/model.zip");

        Path index =
                report.write(
                        tmp.resolve("v3"),
                        Map.of("conv1", 16L, "conv2", 32L),
                        Map.of("conv1", 8L, "conv2", 16L),
                        summary);

        assertThat(index).isEqualTo(tmp.resolve("v3/index.html"));
        String html = Files.readString(index);
        for (String chart : CHARTS) {
            assertThat(html).contains("<img src=\"" + chart + "\"");
            BufferedImage img = ImageIO.read(tmp.resolve("v3").resolve(chart).toFile());
            assertThat(img).as(chart).isNotNull();
            assertThat(img.getWidth()).isEqualTo(ReportCharts.WIDTH);
            assertThat(img.getHeight()).isEqualTo(ReportCharts.HEIGHT);
            assertThat(distinctColours(img)).as("colours in %s", chart).isGreaterThan(20);
        }
        assertThat(html)
                .contains("0.9321", "0.9287", "50000", "2.5", "models/r1/v3/model.zip", "greg1")
                .contains("<td>REGULARIZE</td><td class=\"num\">0</td>")
                .contains("<td>FINETUNE</td>")
                .contains("<td>conv1</td><td class=\"num\">16</td><td class=\"num\">8</td>");
        // offline: nothing fetched from elsewhere
        assertThat(html).doesNotContain("http://", "https://", "<script", "<link");
        Matcher src = Pattern.compile("src=\"([^\"]+)\"").matcher(html);
        while (src.find()) {
            assertThat(tmp.resolve("v3").resolve(src.group(1))).exists();
        }
    }

    /** A continuous run's version of cycle {@code cycle}, maybe replacing a rolled-back one. */
    static ModelVersion version(
            int number, int cycle, long flops, double accuracy, PruningReport.RolledBack from) {
        PruningReport r =
                new PruningReport(
                        "c1",
                        "inc",
                        number,
                        "small-cnn",
                        "1x28x28",
                        false,
                        "greg1",
                        "filter",
                        "0.5",
                        Map.of(),
                        100L * number,
                        "FINETUNE",
                        -1,
                        Double.NaN,
                        Double.NaN,
                        100_000,
                        4_000_000,
                        flops / 40,
                        flops,
                        4_000_000.0 / flops,
                        Map.of(),
                        Map.of(),
                        List.of(),
                        Map.of(),
                        accuracy,
                        null,
                        0.9,
                        "now",
                        new PruningReport.Lineage(
                                cycle, flops, flops / 40, accuracy, 0.88, 0.9, 1.0, from));
        return new ModelVersion("c1", number, "/m/c1/v" + number, false, r);
    }

    @Test
    void aContinuousRunShowsItsFrontDecisionsAndDrift() throws Exception {
        RunReport report = new RunReport("c1");
        for (int i = 0; i < 40; i++) {
            report.add(Events.continuous("c1", i, 40));
        }
        report.add(version(1, 0, 4_000_000, 0.90, null));
        report.add(version(2, 1, 2_000_000, 0.897, null));
        report.add(version(3, 1, 2_000_000, 0.896, null)); // a later version of cycle 1
        report.add(
                version(
                        4,
                        1,
                        2_000_000,
                        0.895,
                        new PruningReport.RolledBack(2, 900_000, 22_500, 0.85)));
        Path index = report.write(tmp.resolve("c"), Map.of(), Map.of(), Map.of());
        String html = Files.readString(index);
        assertThat(html).contains("<img src=\"" + RunReport.FRONT_PNG + "\"");
        BufferedImage front = ImageIO.read(tmp.resolve("c").resolve(RunReport.FRONT_PNG).toFile());
        assertThat(colouredPixels(front)).isGreaterThan(200);
        // one row per cycle: 0 and 1 kept (their first versions), 2 rolled back; speed-ups
        assertThat(html)
                .contains(
                        "<tr><td class=\"num\">0</td><td class=\"num\">4000000</td>"
                                + "<td class=\"num\">1×</td>")
                .contains("<td class=\"num\">89.7 %</td><td>kept</td>")
                .doesNotContain("89.6 %")
                .contains(
                        "<tr><td class=\"num\">2</td><td class=\"num\">900000</td>"
                                + "<td class=\"num\">4.44444×</td>")
                .contains("<td class=\"num\">85 %</td><td>rolled back</td>")
                .contains("Budget floor (reference accuracy minus the budget): 89 %");
        // the decisions the events carried: a rollback every 7th step, drift at step 11
        assertThat(html)
                .contains("<td class=\"num\">6</td><td>rolled_back</td>")
                .contains("<td class=\"num\">11</td><td>drift</td>");
    }

    @Test
    void chartsCarryTheirDataNotJustAxes() throws Exception {
        // Same run, ratio chart with and without data differ a lot in drawn pixels.
        RunReport report = new RunReport("r1");
        for (int i = 0; i < 100; i++) {
            report.add(Events.step("r1", i, 100));
        }
        Path dir = report.write(tmp.resolve("a"), Map.of(), Map.of(), Map.of()).getParent();
        BufferedImage ratio = ImageIO.read(dir.resolve(RunReport.RATIO_PNG).toFile());
        // the layer lines are drawn in XChart's first series colours, not grey/black
        assertThat(colouredPixels(ratio)).isGreaterThan(500);
        // widths came from the events: first and latest reported
        assertThat(Files.readString(dir.resolve("index.html")))
                .contains("<td>conv2</td><td class=\"num\">32</td><td class=\"num\">16</td>");
    }

    @Test
    void aRunWithoutPenaltiesOrDataStillWritesAPage() throws Exception {
        RunReport empty = new RunReport("empty");
        Path index = empty.write(tmp.resolve("e"), Map.of(), Map.of(), Map.of("note", "none"));
        assertThat(Files.readString(index)).contains("No training step recorded yet", "none");
        assertThat(Files.list(tmp.resolve("e")).map(p -> p.getFileName().toString()))
                .containsExactly("index.html");

        RunReport plain = new RunReport("plain");
        for (int i = 0; i < 10; i++) {
            plain.add(
                    new TrainingEvent(
                            "plain",
                            "none",
                            i,
                            Phase.TRAIN,
                            1.0 / (i + 1),
                            0.1,
                            0,
                            0,
                            32,
                            1000,
                            10,
                            10,
                            List.of(new LayerStats("fc", 10, 0, 10, Double.NaN, 0)),
                            null,
                            0,
                            null,
                            null,
                            false,
                            null,
                            null));
        }
        String html = Files.readString(plain.write(tmp.resolve("p"), Map.of(), Map.of(), Map.of()));
        assertThat(html).contains("No finite kept/pruned magnitude ratio", RunReport.LOSS_PNG);
        assertThat(tmp.resolve("p").resolve(RunReport.RATIO_PNG)).doesNotExist();
    }

    @Test
    void aWeekLongRunKeepsBoundedSeries() throws Exception {
        RunReport report = new RunReport("long", 500);
        List<LayerStats> layers =
                List.of(
                        new LayerStats("conv1", 64, 32, 64, 10, 0),
                        new LayerStats("conv2", 64, 32, 64, 20, 0));
        for (int i = 0; i < 100_000; i++) {
            report.add(
                    new TrainingEvent(
                            "long",
                            "greg1",
                            i,
                            Phase.REGULARIZE,
                            1 + Math.sin(i),
                            0.01,
                            i * 1e-6,
                            0,
                            64,
                            1000,
                            10,
                            10,
                            i % 100 == 0 ? layers : List.of(),
                            i % 1000 == 0 ? 0.5 : null,
                            0,
                            null,
                            null,
                            false,
                            null,
                            null));
        }
        assertThat(report.events()).isEqualTo(100_000);
        Path dir = report.write(tmp.resolve("l"), Map.of(), Map.of(), Map.of()).getParent();
        assertThat(ImageIO.read(dir.resolve(RunReport.LAMBDA_PNG).toFile())).isNotNull();
        assertThat(Files.readString(dir.resolve("index.html")))
                .contains("at most 500 points")
                .containsPattern("now \\d{3,} step\\(s\\) per loss point");
    }

    @Test
    void replayedStepsAreSkippedAndOtherRunsRefused() throws Exception {
        RunReport report = new RunReport("r1");
        report.add(Events.step("r1", 5, 20));
        report.add(Events.step("r1", 3, 20)); // replay after a restore
        assertThat(report.events()).isEqualTo(1);
        assertThatThrownBy(() -> report.add(Events.step("r2", 6, 20)))
                .hasMessageContaining("event of run 'r2' given to the report of run 'r1'");
        assertThat(Files.readString(report.write(tmp, Map.of(), Map.of(), Map.of())))
                .contains("Replayed steps skipped: 1");
    }

    @Test
    void summaryValuesAreFormattedAndEscaped() {
        assertThat(RunReport.format(0.93210000001)).isEqualTo("0.9321");
        assertThat(RunReport.format(2.5e-5)).isEqualTo("0.000025");
        assertThat(RunReport.format(123456789L)).isEqualTo("123456789");
        assertThat(RunReport.format(null)).isEqualTo("—");
        assertThat(RunReport.esc("<a href=\"x\">&'"))
                .isEqualTo("&lt;a href=&quot;x&quot;&gt;&amp;&#39;");
    }

    private static int distinctColours(BufferedImage img) {
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 2) {
            for (int x = 0; x < img.getWidth(); x += 2) {
                colours.add(img.getRGB(x, y));
            }
        }
        return colours.size();
    }

    private static int colouredPixels(BufferedImage img) {
        int n = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int rgb = img.getRGB(x, y);
                int r = (rgb >> 16) & 0xff;
                int g = (rgb >> 8) & 0xff;
                int b = rgb & 0xff;
                if (Math.max(r, Math.max(g, b)) - Math.min(r, Math.min(g, b)) > 60) {
                    n++;
                }
            }
        }
        return n;
    }
}
