package io.prunestream.connectors.kafka;

import java.util.Set;

/**
 * The one check behind every builder's {@code setProperty}: no nulls, no key with its own setter.
 */
public final class ExtraProperties {
    private ExtraProperties() {}

    /**
     * @param owned keys the builder sets itself
     * @param instead what to call for those keys, named in the message
     * @throws IllegalArgumentException naming the key (never the value: it may be a secret)
     */
    public static void check(String key, String value, Set<String> owned, String instead) {
        if (key == null || value == null) {
            throw new IllegalArgumentException(
                    "property '" + key + "': key and value must not be null");
        }
        if (owned.contains(key)) {
            throw new IllegalArgumentException(
                    "property '" + key + "' has its own setter (or is fixed): " + instead);
        }
    }
}
