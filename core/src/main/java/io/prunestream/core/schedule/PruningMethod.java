package io.prunestream.core.schedule;

import java.util.Locale;

/** How a run prunes. */
public enum PruningMethod {
    /** Fixed L1 mask, growing L2 penalty on the pruned groups (paper section 3.2). */
    GREG1,
    /** Uniform growth, pick by L1 of the regularised weights, then push (paper section 3.3). */
    GREG2,
    /** Remove the L1-smallest groups at once, then fine-tune (the paper's Table 1 baseline). */
    ONESHOT_L1,
    /** No pruning: plain training. */
    NONE;

    public static PruningMethod parse(String s) {
        return switch (s.trim().toLowerCase(Locale.ROOT).replace('_', '-')) {
            case "greg1", "greg-1" -> GREG1;
            case "greg2", "greg-2" -> GREG2;
            case "oneshot-l1", "l1", "oneshot" -> ONESHOT_L1;
            case "none" -> NONE;
            default ->
                    throw new IllegalArgumentException(
                            "unknown pruning method '"
                                    + s
                                    + "': use one of greg1, greg2, oneshot-l1, none");
        };
    }

    /** The name users write in configs. */
    public String id() {
        return switch (this) {
            case GREG1 -> "greg1";
            case GREG2 -> "greg2";
            case ONESHOT_L1 -> "oneshot-l1";
            case NONE -> "none";
        };
    }
}
