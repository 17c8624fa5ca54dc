package io.prunestream.core.schedule;

import java.util.Locale;

/** What one penalty factor covers: a whole filter (structured) or one weight (unstructured). */
public enum Granularity {
    FILTER,
    WEIGHT;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Granularity parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT)) {
            case "filter", "structured" -> FILTER;
            case "weight", "unstructured" -> WEIGHT;
            default ->
                    throw new IllegalArgumentException(
                            "unknown granularity '" + s + "': use filter or weight");
        };
    }
}
