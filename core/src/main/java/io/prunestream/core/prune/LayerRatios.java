package io.prunestream.core.prune;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Pruning ratio per layer: ordered {@code pattern=ratio} rules matched against layer names (glob
 * {@code *} and {@code ?}), first match wins, then a default. As in the paper's tables, the layer
 * that reads the network input is left unpruned unless a rule names it. A group of layers pruned
 * together takes the first rule that matches any of them.
 *
 * <p>Text form: {@code "0.5"} (every layer), {@code "0.7,conv2=0.5"}, {@code
 * "s1*=0.75,s2*=0.75,s3*=0.32"}.
 */
public final class LayerRatios implements java.io.Serializable {
    private record Rule(String pattern, Pattern regex, double ratio)
            implements java.io.Serializable {}

    private final List<Rule> rules;
    private final double defaultRatio;

    private LayerRatios(List<Rule> rules, double defaultRatio) {
        this.rules = List.copyOf(rules);
        this.defaultRatio = defaultRatio;
    }

    public static LayerRatios uniform(double ratio) {
        return new LayerRatios(List.of(), checkRatio(ratio, "default"));
    }

    /**
     * Ratios for exactly the named layers (names matched as written, no glob), every other layer 0.
     */
    public static LayerRatios exact(java.util.Map<String, Double> byLabel) {
        List<Rule> rules = new ArrayList<>();
        byLabel.forEach(
                (label, r) ->
                        rules.add(
                                new Rule(
                                        label,
                                        Pattern.compile(Pattern.quote(label)),
                                        checkRatio(r, label))));
        return new LayerRatios(rules, 0);
    }

    public static LayerRatios parse(String text) {
        List<Rule> rules = new ArrayList<>();
        double def = 0;
        for (String part : text.split(",")) {
            String p = part.trim();
            if (p.isEmpty()) {
                continue;
            }
            int eq = p.indexOf('=');
            if (eq < 0) {
                def = checkRatio(number(p, text), "default");
            } else {
                String pattern = p.substring(0, eq).trim();
                double r = checkRatio(number(p.substring(eq + 1).trim(), text), pattern);
                if (pattern.equalsIgnoreCase("default")) {
                    def = r;
                } else {
                    rules.add(new Rule(pattern, glob(pattern), r));
                }
            }
        }
        return new LayerRatios(rules, def);
    }

    private static double number(String s, String whole) {
        try {
            return Double.parseDouble(s);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "pruning ratios '"
                            + whole
                            + "': '"
                            + s
                            + "' is not a number; write e.g. 0.5 or conv2=0.5,default=0.7");
        }
    }

    private static double checkRatio(double r, String where) {
        if (!(r >= 0 && r < 1)) {
            throw new IllegalArgumentException(
                    "pruning ratio for "
                            + where
                            + " must be in [0, 1), got "
                            + r
                            + " (a layer is never emptied)");
        }
        return r;
    }

    private static Pattern glob(String g) {
        StringBuilder sb = new StringBuilder();
        for (char ch : g.toCharArray()) {
            switch (ch) {
                case '*' -> sb.append(".*");
                case '?' -> sb.append('.');
                default -> sb.append(Pattern.quote(String.valueOf(ch)));
            }
        }
        return Pattern.compile(sb.toString(), Pattern.CASE_INSENSITIVE);
    }

    /** The ratio for a layer; {@code readsInput} marks the layer fed by the network input. */
    public double ratioFor(String label, boolean readsInput) {
        for (Rule r : rules) {
            if (r.regex().matcher(label).matches()) {
                return r.ratio();
            }
        }
        return readsInput ? 0 : defaultRatio;
    }

    /**
     * The ratio for a group of layers pruned together: the first rule (in written order) that
     * matches any of them, else the default, or 0 when {@code keptUnlessNamed}.
     */
    public double ratioFor(List<String> labels, boolean keptUnlessNamed) {
        for (Rule r : rules) {
            for (String label : labels) {
                if (r.regex().matcher(label).matches()) {
                    return r.ratio();
                }
            }
        }
        return keptUnlessNamed ? 0 : defaultRatio;
    }

    /** True when some rule names this layer explicitly. */
    public boolean names(String label) {
        return rules.stream().anyMatch(r -> r.regex().matcher(label).matches() && r.ratio() > 0);
    }

    public double defaultRatio() {
        return defaultRatio;
    }

    @Override
    public String toString() {
        List<String> parts = new ArrayList<>();
        for (Rule r : rules) {
            parts.add(r.pattern() + "=" + fmt(r.ratio()));
        }
        parts.add(fmt(defaultRatio));
        return String.join(",", parts);
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%s", v);
    }
}
