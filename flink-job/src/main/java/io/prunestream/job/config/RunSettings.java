package io.prunestream.job.config;

import io.prunestream.core.train.RunSpec;

/**
 * One run as the job runs it: the pruning spec plus how often to evaluate, publish and compute
 * per-layer statistics.
 */
public record RunSettings(
        RunSpec spec, long evalInterval, long publishInterval, long statsInterval) {
    public String id() {
        return spec.runId();
    }
}
