package io.prunestream.core.run;

import java.io.Serializable;

/**
 * Where a run's accuracy comes from besides a fixed held-out set: a sliding window of held-out
 * samples from the stream, and prequential (test-then-train) scores of its mini-batches.
 *
 * @param streamWindow held-out samples kept from the stream (the newest); 0 = the driver's fixed
 *     held-out set instead
 * @param prequentialEvery score every k-th mini-batch with the current model before its step; 0 =
 *     never
 * @param prequentialWindow scored samples the prequential accuracy is computed over (the newest)
 */
public record Evaluation(int streamWindow, int prequentialEvery, int prequentialWindow)
        implements Serializable {

    /** A fixed held-out set and no prequential scores (what runs did before streams evaluated). */
    public static final Evaluation FIXED = new Evaluation(0, 0, 0);

    public Evaluation {
        if (streamWindow < 0 || prequentialEvery < 0 || prequentialWindow < 0) {
            throw new IllegalArgumentException(
                    "evaluation: window sizes and the prequential interval must be >= 0");
        }
        if (prequentialEvery > 0 && prequentialWindow < 1) {
            throw new IllegalArgumentException(
                    "evaluation: a prequential window needs at least one sample");
        }
    }

    public boolean fromStream() {
        return streamWindow > 0;
    }
}
