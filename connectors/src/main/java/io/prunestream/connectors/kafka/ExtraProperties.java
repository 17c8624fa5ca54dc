package io.prunestream.connectors.kafka;

import java.util.Collections;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;

/**
 * The Kafka client properties a builder takes beyond its own setters, checked one way for every
 * builder: no nulls, no key the builder sets itself. Values may be secrets: no message shows them.
 */
public final class ExtraProperties {
    private final Set<String> owned;
    private final String instead;
    private final Map<String, String> values = new TreeMap<>();

    /**
     * @param owned keys the builder sets itself
     * @param instead what to call for those keys, named in the message
     */
    public ExtraProperties(Set<String> owned, String instead) {
        this.owned = Set.copyOf(owned);
        this.instead = instead;
    }

    /**
     * @throws IllegalArgumentException naming the key (never the value)
     */
    public void put(String key, String value) {
        if (key == null || value == null) {
            throw new IllegalArgumentException(
                    "property '" + key + "': key and value must not be null");
        }
        if (owned.contains(key)) {
            throw new IllegalArgumentException(
                    "property '" + key + "' has its own setter (or is fixed): " + instead);
        }
        values.put(key, value);
    }

    /** {@link #put} for each entry, e.g. a cluster's security settings. */
    public void putAll(Map<String, String> properties) {
        properties.forEach(this::put);
    }

    /** The properties put so far, sorted by key; a read-only view. */
    public Map<String, String> asMap() {
        return Collections.unmodifiableMap(values);
    }

    /** A copy as {@link Properties}, for the Kafka clients that take them. */
    public Properties toProperties() {
        Properties p = new Properties();
        p.putAll(values);
        return p;
    }
}
