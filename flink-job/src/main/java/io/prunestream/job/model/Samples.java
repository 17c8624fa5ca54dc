package io.prunestream.job.model;

/**
 * Labelled samples for one run: features as floats in [0, 1] (or as sent), c-order per sample. A
 * POJO so Flink serialises it without Kryo.
 */
public class Samples {
    public String runId;
    public int count;
    public float[] features;
    public int[] labels;

    public Samples() {}

    public Samples(String runId, int count, float[] features, int[] labels) {
        this.runId = runId;
        this.count = count;
        this.features = features;
        this.labels = labels;
    }

    public int sampleSize() {
        return count == 0 ? 0 : features.length / count;
    }
}
