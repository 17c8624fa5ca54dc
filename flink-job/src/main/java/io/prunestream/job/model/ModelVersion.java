package io.prunestream.job.model;

import java.util.LinkedHashMap;
import java.util.Map;

/** A published model: an immutable, numbered folder holding the network and its report. */
public class ModelVersion {
    public String runId;
    public int version;
    public long iteration;
    public String phase;
    public String path;
    public long params;
    public long flops;
    public long baseParams;
    public long baseFlops;
    public Map<String, Long> widths = new LinkedHashMap<>();
    public Map<String, Long> baseWidths = new LinkedHashMap<>();

    /** Held-out accuracy at publication, or NaN if not evaluated. */
    public double accuracy = Double.NaN;

    /**
     * Held-out accuracy at the last evaluation in TRAIN (the unpruned, unpenalised model), or NaN.
     */
    public double baseAccuracy = Double.NaN;

    /** Held-out accuracy at the last evaluation before pruning, or NaN. */
    public double accuracyBeforePrune = Double.NaN;

    public double magnitudeRatioAtPrune = Double.NaN;
    public boolean last;
    public long timestampMillis;

    public ModelVersion() {}

    public double flopsSpeedup() {
        return (double) baseFlops / flops;
    }
}
