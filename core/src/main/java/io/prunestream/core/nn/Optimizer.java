package io.prunestream.core.nn;

import java.util.Locale;

/** The optimizers a run can use. */
public enum Optimizer {
    /** SGD; momentum above 0 makes it DL4J's Nesterov momentum. */
    SGD,
    /** Adam. */
    ADAM;

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
