package io.prunestream.connectors.producer;

import java.time.Duration;

/**
 * How far a {@link DatasetProducer} run has come; counts are of records the broker acknowledged.
 *
 * @param samplesSent samples in acknowledged records
 * @param totalSamples samples the run will send
 * @param recordsSent acknowledged records
 * @param elapsed time since the first send
 */
public record Progress(long samplesSent, long totalSamples, long recordsSent, Duration elapsed) {

    /** Share done, 0..1. */
    public double fraction() {
        return totalSamples == 0 ? 1 : (double) samplesSent / totalSamples;
    }

    /** Average rate so far. */
    public double samplesPerSecond() {
        double s = elapsed.toNanos() / 1e9;
        return s <= 0 ? 0 : samplesSent / s;
    }

    /** Time left at the average rate so far; null before the first acknowledgement. */
    public Duration eta() {
        double rate = samplesPerSecond();
        if (rate <= 0) {
            return null;
        }
        return Duration.ofMillis((long) ((totalSamples - samplesSent) / rate * 1000));
    }

    public boolean isDone() {
        return samplesSent >= totalSamples;
    }
}
