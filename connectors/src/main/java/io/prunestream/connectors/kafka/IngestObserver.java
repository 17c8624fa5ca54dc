package io.prunestream.connectors.kafka;

import java.io.Serializable;

/**
 * Hears what {@link DeadLetterRouter} accepts and rejects, e.g. to feed a metrics registry. It is
 * shipped with the job graph, so it must be serializable; {@link #open()} runs on the task manager
 * before the first record.
 */
public interface IngestObserver extends Serializable {
    default void open() {}

    /** One accepted record holding {@code samples} samples. */
    void accepted(int samples);

    /** One rejected record. */
    void rejected(DeadLetter deadLetter);

    default void close() {}

    /** Hears nothing. */
    IngestObserver NONE =
            new IngestObserver() {
                @Override
                public void accepted(int samples) {}

                @Override
                public void rejected(DeadLetter deadLetter) {}
            };
}
