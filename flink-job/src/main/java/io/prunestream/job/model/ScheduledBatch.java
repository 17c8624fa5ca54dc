package io.prunestream.job.model;

import io.prunestream.core.schedule.ScheduleState;

/**
 * A full mini-batch with the schedule state that applies to its step; no state for a continuous
 * run's batch (the run keeps its own) or for held-out samples.
 */
public class ScheduledBatch {
    public Samples batch;
    public ScheduleState schedule;

    public ScheduledBatch() {}

    public ScheduledBatch(Samples batch, ScheduleState schedule) {
        this.batch = batch;
        this.schedule = schedule;
    }
}
