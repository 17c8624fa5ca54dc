package io.prunestream.core.train;

import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Piecewise-constant learning rate by iteration, e.g. {@code "0:0.01,3000:0.001"}. The authors step
 * by epoch; a stream has no epochs, so steps are counted in iterations.
 */
public final class LrSchedule implements java.io.Serializable {
    private final TreeMap<Long, Double> steps;

    private LrSchedule(TreeMap<Long, Double> steps) {
        this.steps = steps;
    }

    public static LrSchedule constant(double lr) {
        TreeMap<Long, Double> m = new TreeMap<>();
        m.put(0L, check(lr, String.valueOf(lr)));
        return new LrSchedule(m);
    }

    public static LrSchedule parse(String text) {
        TreeMap<Long, Double> m = new TreeMap<>();
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int colon = p.indexOf(':');
            try {
                if (colon < 0) {
                    m.put(0L, check(Double.parseDouble(p), text));
                } else {
                    long it = Long.parseLong(p.substring(0, colon).trim());
                    if (it < 0) {
                        throw new NumberFormatException();
                    }
                    m.put(it, check(Double.parseDouble(p.substring(colon + 1).trim()), text));
                }
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(
                        "learning-rate schedule '"
                                + text
                                + "': write 'lr' or 'iteration:lr,...', e.g. 0:0.01,3000:0.001");
            }
        }
        if (!m.containsKey(0L)) {
            throw new IllegalArgumentException(
                    "learning-rate schedule '"
                            + text
                            + "' must start at iteration 0, e.g. 0:0.01,...");
        }
        return new LrSchedule(m);
    }

    private static double check(double lr, String text) {
        if (!(lr > 0)) {
            throw new IllegalArgumentException(
                    "learning-rate schedule '" + text + "': rates must be > 0");
        }
        return lr;
    }

    /** The rate at {@code iteration} steps after the schedule's start. */
    public double at(long iteration) {
        Map.Entry<Long, Double> e = steps.floorEntry(Math.max(0, iteration));
        return e.getValue();
    }

    @Override
    public String toString() {
        StringJoiner j = new StringJoiner(",");
        steps.forEach((k, v) -> j.add(k + ":" + v));
        return j.toString();
    }
}
