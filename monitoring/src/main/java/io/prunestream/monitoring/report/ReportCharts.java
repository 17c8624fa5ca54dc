package io.prunestream.monitoring.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategoryChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** The report's XChart charts: building and saving as PNG. */
final class ReportCharts {

    static final int WIDTH = 960;
    static final int HEIGHT = 480;

    static final float[] DASH = {8f, 6f};
    private static final BasicStroke DASHED =
            new BasicStroke(1.6f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, DASH, 0f);
    private static final BasicStroke SOLID = new BasicStroke(1.8f);

    private ReportCharts() {}

    /** A line series: x and y of equal, non-zero length. */
    record Line(String name, double[] x, double[] y, boolean dashed) {}

    static XYChart xy(String title, String xTitle, String yTitle, boolean logY) {
        XYChart chart =
                new XYChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title(title)
                        .xAxisTitle(xTitle)
                        .yAxisTitle(yTitle)
                        .build();
        style(chart.getStyler());
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setXAxisDecimalPattern("#,##0");
        return chart;
    }

    /**
     * Tick labels with two significant digits: evenly spaced data (a linear λ ramp) would otherwise
     * get a label per data value; duplicates make XChart widen the tick step.
     */
    static String twoDigits(double v) {
        if (v == 0 || !Double.isFinite(v)) {
            return v == 0 ? "0" : Double.toString(v);
        }
        return new BigDecimal(v).round(new MathContext(2)).stripTrailingZeros().toString();
    }

    static void add(XYChart chart, Line line) {
        XYSeries s = chart.addSeries(line.name(), line.x(), line.y());
        s.setMarker(line.x().length == 1 ? SeriesMarkers.CIRCLE : SeriesMarkers.NONE);
        s.setLineStyle(line.dashed() ? DASHED : SOLID);
    }

    /**
     * XChart puts x ticks on the data values themselves when all of them are evenly spaced
     * (iterations always are) and packs them as tightly as the labels allow. An invisible two-point
     * series half an iteration apart breaks the even spacing, so XChart falls back to its ordinary,
     * evenly spread ticks.
     */
    static void spreadXTicks(XYChart chart) {
        XYSeries first = chart.getSeriesMap().values().iterator().next();
        double x = first.getXData()[0];
        double y = first.getYData()[0];
        XYSeries s = chart.addSeries(" ", new double[] {x, x + 0.5}, new double[] {y, y});
        s.setShowInLegend(false);
        s.setMarker(SeriesMarkers.NONE);
        s.setLineColor(new Color(0, 0, 0, 0));
        s.setYAxisGroup(first.getYAxisGroup());
    }

    /** Bars of widths per layer, before and after pruning. */
    static CategoryChart widths(
            List<String> layers, Map<String, Long> before, Map<String, Long> after) {
        CategoryChart chart =
                new CategoryChartBuilder()
                        .width(WIDTH)
                        .height(HEIGHT)
                        .title("Layer widths before and after pruning")
                        .xAxisTitle("layer")
                        .yAxisTitle("output channels")
                        .build();
        style(chart.getStyler());
        chart.getStyler().setLabelsVisible(true);
        chart.getStyler().setYAxisMin(0.0);
        chart.getStyler().setYAxisDecimalPattern("#,##0");
        chart.addSeries("before", layers, values(layers, before));
        chart.addSeries("after", layers, values(layers, after));
        return chart;
    }

    private static List<Long> values(List<String> layers, Map<String, Long> widths) {
        List<Long> out = new ArrayList<>();
        for (String l : layers) {
            out.add(widths.getOrDefault(l, 0L));
        }
        return out;
    }

    private static void style(Styler s) {
        s.setChartBackgroundColor(Color.WHITE);
        s.setLegendPosition(Styler.LegendPosition.OutsideE);
        s.setChartTitleFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        s.setLegendFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        s.setAntiAlias(true);
        if (s instanceof org.knowm.xchart.style.AxesChartStyler a) {
            a.setAxisTitleFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
            a.setAxisTickLabelsFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            a.setPlotGridLinesColor(new Color(225, 225, 225));
            a.setPlotBackgroundColor(Color.WHITE);
        }
    }

    /**
     * Saves a chart as {@code dir/file}. Rendering needs fonts: a bare JRE without fontconfig fails
     * here, so that error is turned into one that says what to install.
     */
    static void savePng(Chart<?, ?> chart, Path dir, String file) throws IOException {
        Path target = dir.resolve(file);
        try (OutputStream out = Files.newOutputStream(target)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        } catch (RuntimeException | LinkageError | InternalError e) {
            throw new IOException(
                    "could not render chart "
                            + target
                            + " ("
                            + e
                            + "); on a minimal image install fontconfig and a font (e.g."
                            + " Debian fonts-dejavu-core) and run with -Djava.awt.headless=true",
                    e);
        }
    }
}
