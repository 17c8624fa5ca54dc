package io.prunestream.job.config;

import io.prunestream.core.config.Named;

/** Where held-out accuracy comes from. */
public enum EvalSource implements Named {
    /** A fixed set read at start: eval.topic, or else eval.dataset. */
    FIXED,
    /** Records held out of the training topic itself, into a sliding window per run. */
    STREAM;

    @Override
    public String toString() {
        return id();
    }
}
