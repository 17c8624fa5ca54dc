package io.prunestream.testing;

import org.apache.flink.configuration.Configuration;

/** Flink configurations written as Flink's own config file is: one {@code key: value} a line. */
public final class FlinkConfigs {
    private FlinkConfigs() {}

    /**
     * @param lines {@code key: value} lines; blank lines and lines starting with # are skipped
     * @throws IllegalArgumentException for a line without {@code ": "}
     */
    public static Configuration of(String lines) {
        Configuration c = new Configuration();
        for (String line : lines.split("\n")) {
            String l = line.strip();
            if (l.isEmpty() || l.startsWith("#")) {
                continue;
            }
            int colon = l.indexOf(": ");
            if (colon < 0) {
                throw new IllegalArgumentException("not a 'key: value' line: " + l);
            }
            c.setString(l.substring(0, colon).strip(), l.substring(colon + 2).strip());
        }
        return c;
    }
}
