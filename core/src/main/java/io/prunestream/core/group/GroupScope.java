package io.prunestream.core.group;

import io.prunestream.core.config.Named;

/** Which groups may be pruned ({@code prune.groups}). */
public enum GroupScope implements Named {
    /**
     * Only groups that touch no elementwise add and no concatenation: conv filters and dense
     * neurons whose channels go straight to the layers that read them (the paper's choice; in a
     * CIFAR ResNet exactly each block's inner conv).
     */
    INNER,
    /**
     * Also the channels joined by an add (a ResNet's residual stream, pruned consistently in every
     * conv, BatchNorm and add of the stream) or carried through a concatenation.
     */
    COUPLED;

    @Override
    public String toString() {
        return id();
    }

    public static GroupScope parse(String s) {
        return Named.parse(
                GroupScope.class,
                s,
                "group scope",
                "inner (groups that touch no add or concat: the paper's) or coupled (also the"
                        + " channels joined by adds and concatenations)");
    }
}
