package io.prunestream.job.config;

import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.HtmlFormatter;

/** Prints the configuration table of the README from the option definitions. */
public final class ConfigDocs {
    private ConfigDocs() {}

    public static String markdown() {
        StringBuilder sb = new StringBuilder();
        sb.append("| key | default | description |\n|---|---|---|\n");
        append(sb, PruneOptions.GLOBAL);
        append(sb, PruneOptions.PER_RUN);
        return sb.toString();
    }

    private static void append(StringBuilder sb, List<ConfigOption<?>> options) {
        for (ConfigOption<?> o : options) {
            Object d = o.defaultValue();
            String def =
                    d == null
                            ? "(none)"
                            : d instanceof List<?> l
                                    ? String.join(";", l.stream().map(String::valueOf).toList())
                                    : d instanceof java.time.Duration t
                                            ? t.toSeconds() + " s"
                                            : String.valueOf(d);
            sb.append("| `")
                    .append(o.key())
                    .append("` | `")
                    .append(def)
                    .append("` | ")
                    .append(new HtmlFormatter().format(o.description()).replace("|", "\\|"))
                    .append(" |\n");
        }
    }

    public static void main(String[] args) {
        System.out.print(markdown());
    }
}
