package io.prunestream.connectors.record;

import java.util.Objects;

/**
 * The outcome of checking one record: either the decoded batch, or the reason it was rejected with
 * a detail that names the field, the value found and what was expected.
 */
public record Validation(SampleBatch batch, RejectReason reason, String detail) {

    /** Either a batch, or a reason with its detail. */
    public Validation {
        if ((batch == null) == (reason == null || detail == null)) {
            throw new IllegalArgumentException("a validation is a batch or a reason with a detail");
        }
    }

    public static Validation ok(SampleBatch batch) {
        return new Validation(Objects.requireNonNull(batch, "batch"), null, null);
    }

    public static Validation reject(RejectReason reason, String detail) {
        return new Validation(
                null, Objects.requireNonNull(reason, "reason"), Objects.requireNonNull(detail));
    }

    public boolean isOk() {
        return batch != null;
    }

    /** The decoded batch; only for an accepted record. */
    @Override
    public SampleBatch batch() {
        if (batch == null) {
            throw new IllegalStateException("record was rejected (" + reason + "): " + detail);
        }
        return batch;
    }

    @Override
    public String toString() {
        return isOk() ? "ok(" + batch + ")" : reason + ": " + detail;
    }
}
