package io.prunestream.apps.measure;

import java.util.List;
import java.util.Locale;

/**
 * Whether a series measured over a long run keeps growing: the samples after warm-up are split in
 * two halves; the series is <em>flat</em> when the second half's mean exceeds the first half's by
 * no more than a tolerance; it <em>levels off</em> when it rose but the second half on its own
 * (least-squares line over its span) rises by no more than the tolerance; otherwise it
 * <em>grows</em>. The tolerance is {@code max(relative * |first-half mean|, absolute)}.
 *
 * @param relative tolerance relative to the first half's mean (e.g. 0.10)
 * @param absolute tolerance in the series' unit, for series near zero
 */
public record Trend(double relative, double absolute) {

    public enum Kind {
        FLAT("flat"),
        LEVELS_OFF("levels off"),
        GROWS("GROWS");

        private final String label;

        Kind(String label) {
            this.label = label;
        }

        @Override
        public String toString() {
            return label;
        }
    }

    /**
     * The verdict on one series.
     *
     * @param firstMean mean of the first half after warm-up
     * @param lastMean mean of the second half
     * @param slopePerHour least-squares slope over everything after warm-up, per hour
     * @param lastHalfRise the second half's least-squares line, end minus start
     */
    public record Verdict(
            Kind kind,
            double firstMean,
            double lastMean,
            double slopePerHour,
            double lastHalfRise) {
        public String describe(String unit, double scale) {
            return String.format(
                    Locale.ROOT,
                    "%s (1st half %.1f, 2nd half %.1f %s; slope %+.1f %s/h)",
                    kind,
                    firstMean / scale,
                    lastMean / scale,
                    unit,
                    slopePerHour / scale,
                    unit);
        }
    }

    /** A point of a series: time in seconds since the start, and the value. */
    public record Point(double seconds, double value) {}

    /**
     * The verdict on {@code points} (time-ordered), skipping those before {@code warmupSeconds}.
     */
    public Verdict judge(List<Point> points, double warmupSeconds) {
        List<Point> p = points.stream().filter(x -> x.seconds() >= warmupSeconds).toList();
        if (p.size() < 4) {
            throw new IllegalArgumentException(
                    "need at least 4 samples after warm-up to judge a trend, got "
                            + p.size()
                            + ": run longer or shorten the warm-up");
        }
        int half = p.size() / 2;
        List<Point> first = p.subList(0, half);
        List<Point> last = p.subList(p.size() - half, p.size());
        double m1 = mean(first);
        double m2 = mean(last);
        double tol = Math.max(relative * Math.abs(m1), absolute);
        double lastRise =
                slope(last) * (last.get(last.size() - 1).seconds() - last.get(0).seconds());
        Kind kind;
        if (m2 - m1 <= tol) {
            kind = Kind.FLAT;
        } else if (lastRise <= tol) {
            kind = Kind.LEVELS_OFF;
        } else {
            kind = Kind.GROWS;
        }
        return new Verdict(kind, m1, m2, slope(p) * 3600, lastRise);
    }

    static double mean(List<Point> p) {
        return p.stream().mapToDouble(Point::value).average().orElse(Double.NaN);
    }

    /** Least-squares slope of value over seconds. */
    static double slope(List<Point> p) {
        double mt = p.stream().mapToDouble(Point::seconds).average().orElse(0);
        double mv = mean(p);
        double num = 0;
        double den = 0;
        for (Point x : p) {
            num += (x.seconds() - mt) * (x.value() - mv);
            den += (x.seconds() - mt) * (x.seconds() - mt);
        }
        return den == 0 ? 0 : num / den;
    }
}
