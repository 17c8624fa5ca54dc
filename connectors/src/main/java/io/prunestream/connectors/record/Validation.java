package io.prunestream.connectors.record;

import java.util.Objects;

/**
 * The outcome of checking one record: either the decoded batch, or the reason it was rejected with
 * a detail that names the field, the value found and what was expected.
 */
public final class Validation {
    private final SampleBatch batch;
    private final RejectReason reason;
    private final String detail;

    private Validation(SampleBatch batch, RejectReason reason, String detail) {
        this.batch = batch;
        this.reason = reason;
        this.detail = detail;
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
    public SampleBatch batch() {
        if (batch == null) {
            throw new IllegalStateException("record was rejected (" + reason + "): " + detail);
        }
        return batch;
    }

    /** Why the record was rejected, or {@code null} when it was accepted. */
    public RejectReason reason() {
        return reason;
    }

    /** What was wrong, or {@code null} when the record was accepted. */
    public String detail() {
        return detail;
    }

    @Override
    public String toString() {
        return isOk() ? "ok(" + batch + ")" : reason + ": " + detail;
    }
}
