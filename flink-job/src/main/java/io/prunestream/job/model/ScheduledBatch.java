package io.prunestream.job.model;

/** A full mini-batch with the schedule state (binary, versioned) that applies to its step. */
public class ScheduledBatch {
    public Samples batch;
    public byte[] schedule;

    public ScheduledBatch() {}

    public ScheduledBatch(Samples batch, byte[] schedule) {
        this.batch = batch;
        this.schedule = schedule;
    }
}
