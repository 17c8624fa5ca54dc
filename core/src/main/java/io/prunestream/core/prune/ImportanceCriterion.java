package io.prunestream.core.prune;

import java.util.Locale;

/** The importance criteria users can name in configuration ({@code prune.importance}). */
public enum ImportanceCriterion {
    /** L1 norm per filter, |w| per weight: the paper's choice. */
    L1(new L1Norm()),
    /** L2 norm per filter, |w| per weight. */
    L2(new L2Norm());

    private final Importance importance;

    ImportanceCriterion(Importance importance) {
        this.importance = importance;
    }

    public Importance importance() {
        return importance;
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
