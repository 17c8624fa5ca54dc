package io.prunestream.connectors.record;

import java.io.Serializable;
import java.util.Locale;

/**
 * The closed interval float32 sample values must lie in, e.g. {@code [-256, 256]}. A finite value
 * outside it is rejected as {@link RejectReason#VALUE_OUT_OF_RANGE}: such values are not data a
 * network can train on (3e38 overflows the first layer's activations to infinity).
 *
 * @param min the smallest accepted value, finite
 * @param max the largest accepted value, finite and {@code >= min}
 */
public record ValueRange(float min, float max) implements Serializable {
    /**
     * {@code [-256, 256]}: covers raw pixels 0..255 sent as float32 and standardised images (a few
     * units around 0), with room to spare.
     */
    public static final ValueRange DEFAULT = new ValueRange(-256f, 256f);

    public ValueRange {
        if (!Float.isFinite(min) || !Float.isFinite(max) || min > max) {
            throw new IllegalArgumentException(
                    "value range ["
                            + min
                            + ", "
                            + max
                            + "]: expected two finite numbers with min <= max, e.g. -256,256");
        }
    }

    /** Parses {@code "min,max"}, e.g. {@code "-256,256"} or {@code "0,1"}. */
    public static ValueRange parse(String text) {
        String[] parts = text == null ? new String[0] : text.split(",", -1);
        if (parts.length != 2) {
            throw new IllegalArgumentException(
                    "value range '" + text + "': expected 'min,max', e.g. '-256,256'");
        }
        float min;
        float max;
        try {
            min = Float.parseFloat(parts[0].trim());
            max = Float.parseFloat(parts[1].trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "value range '" + text + "': expected two numbers 'min,max', e.g. '-256,256'",
                    e);
        }
        return new ValueRange(min, max);
    }

    /** Whether {@code v} is in {@code [min, max]} (false for NaN). */
    public boolean contains(float v) {
        return v >= min && v <= max;
    }

    @Override
    public String toString() {
        return String.format(Locale.ROOT, "[%s, %s]", min, max);
    }
}
