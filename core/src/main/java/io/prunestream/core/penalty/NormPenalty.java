package io.prunestream.core.penalty;

import io.prunestream.core.config.Named;

/**
 * Which BatchNorm gamma/beta carry the growing penalty of the conv filter they follow. DL4J never
 * regularises BatchNorm parameters, and without any pull on gamma a conv+BN filter is scale
 * invariant, so the penalty on its weights alone cannot drive its output to zero.
 */
public enum NormPenalty implements Named {
    /** No BatchNorm parameter is penalised: the penalty is on the conv weights only. */
    OFF,
    /**
     * The gamma/beta of the pruned filters get the pruned filters' lambda, once the pruned set is
     * chosen; the kept filters' gamma/beta are never penalised (nor is any, before GReg-2's pick).
     */
    PRUNED,
    /**
     * Every filter's gamma/beta get the lambda of its filter: the pruned lambda on pruned filters,
     * the kept lambda on kept ones (GReg-2: the uniform lambda on all before the pick, the recover
     * value, e.g. -1e-4, on the kept ones after it). For GReg-1 (kept lambda 0) this equals PRUNED.
     */
    ALL;

    private static final String ADVICE =
            "off (conv weights only), pruned (also the pruned filters' gamma/beta) or all (every"
                    + " filter's gamma/beta with its filter's lambda)";

    @Override
    public String toString() {
        return id();
    }

    public static NormPenalty parse(String s) {
        return Named.parse(NormPenalty.class, s, "BatchNorm penalty", ADVICE);
    }
}
