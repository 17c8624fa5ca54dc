package io.prunestream.core.config;

import java.util.Locale;
import java.util.StringJoiner;

/** A value users write by its id in options and configurations. */
public interface Named {

    /** The name users write. */
    String id();

    /**
     * The constant of {@code type} whose id (or constant name, any case) is {@code s}.
     *
     * @param what what the value is, for the message, e.g. "pruning method"
     * @throws IllegalArgumentException naming the value and every id there is
     */
    static <E extends Enum<E> & Named> E parse(Class<E> type, String s, String what) {
        String v = s.trim();
        StringJoiner known = new StringJoiner(", ");
        for (E e : type.getEnumConstants()) {
            if (e.id().equals(v.toLowerCase(Locale.ROOT)) || e.name().equalsIgnoreCase(v)) {
                return e;
            }
            known.add(e.id());
        }
        throw new IllegalArgumentException("unknown " + what + " '" + s + "': use one of " + known);
    }
}
