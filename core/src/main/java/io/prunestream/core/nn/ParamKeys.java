package io.prunestream.core.nn;

/**
 * DL4J's parameter keys, {@code <node>_<param>}: the one place that knows their spelling ({@code W}
 * weight, {@code b} bias, {@code gamma}/{@code beta} of BatchNorm).
 */
public final class ParamKeys {
    private ParamKeys() {}

    public static String weight(String node) {
        return node + "_W";
    }

    public static String bias(String node) {
        return node + "_b";
    }

    public static String gamma(String node) {
        return node + "_gamma";
    }

    public static String beta(String node) {
        return node + "_beta";
    }

    /** The node part of a key. */
    public static String node(String key) {
        return key.substring(0, key.lastIndexOf('_'));
    }

    /** The parameter part of a key ({@code W}, {@code b}, {@code gamma}, ...). */
    public static String param(String key) {
        return key.substring(key.lastIndexOf('_') + 1);
    }

    public static boolean isWeight(String key) {
        return param(key).equals("W");
    }
}
