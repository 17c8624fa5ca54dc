package io.prunestream.apps;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** {@code --key value} command-line options with typed getters and errors that name the flag. */
public final class Args {
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Set<String> flags;

    public Args(String[] argv, Set<String> known, Set<String> flags) {
        this.flags = flags;
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException(
                        "unexpected argument '" + a + "'; options look like --name value");
            }
            String key = a.substring(2);
            String value;
            int eq = key.indexOf('=');
            if (eq >= 0) {
                value = key.substring(eq + 1);
                key = key.substring(0, eq);
            } else if (flags.contains(key)) {
                value = "true";
            } else {
                if (i + 1 >= argv.length) {
                    throw new IllegalArgumentException("option --" + key + " needs a value");
                }
                value = argv[++i];
            }
            if (!known.contains(key) && !flags.contains(key)) {
                throw new IllegalArgumentException(
                        "unknown option --" + key + "; known: --" + String.join(", --", known));
            }
            values.put(key, value);
        }
    }

    public String string(String key, String def) {
        return values.getOrDefault(key, def);
    }

    public boolean flag(String key) {
        return Boolean.parseBoolean(values.getOrDefault(key, "false"));
    }

    public long longValue(String key, long def) {
        String v = values.get(key);
        try {
            return v == null ? def : Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(
                    "--" + key + " must be a whole number, got '" + v + "'");
        }
    }

    public int intValue(String key, int def) {
        return Math.toIntExact(longValue(key, def));
    }

    public double doubleValue(String key, double def) {
        String v = values.get(key);
        try {
            return v == null ? def : Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--" + key + " must be a number, got '" + v + "'");
        }
    }
}
