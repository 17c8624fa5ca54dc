package io.prunestream.core.config;

import java.util.Locale;
import java.util.StringJoiner;

/** A value users write by its id in options and configurations; implemented by enums. */
public interface Named {

    /** The name users write; by default the constant's name in lower case with dashes. */
    default String id() {
        return idOf((Enum<?>) this);
    }

    /**
     * The constant of {@code type} whose id (or constant name, any case) is {@code s}.
     *
     * @param what what the value is, for the message, e.g. "pruning method"
     * @throws IllegalArgumentException naming the value and every id there is
     */
    static <E extends Enum<E> & Named> E parse(Class<E> type, String s, String what) {
        StringJoiner known = new StringJoiner(", ");
        for (E e : type.getEnumConstants()) {
            known.add(e.id());
        }
        return parse(type, s, what, "one of " + known);
    }

    /**
     * As {@link #parse(Class, String, String)}, with the message's advice written out.
     *
     * @param use what the message says to use, e.g. "earliest, latest or committed"
     */
    static <E extends Enum<E> & Named> E parse(Class<E> type, String s, String what, String use) {
        String v = s == null ? "" : s.trim();
        for (E e : type.getEnumConstants()) {
            if (e.id().equals(v.toLowerCase(Locale.ROOT)) || e.name().equalsIgnoreCase(v)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + s + "': use " + use);
    }

    /** The id most constants have: the constant's name in lower case with dashes. */
    static String idOf(Enum<?> constant) {
        return constant.name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
}
