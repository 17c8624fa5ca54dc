package io.prunestream.connectors.record;

/** Thrown by {@link SampleBatchCodec#decode(byte[])} for bytes that are not a valid record. */
public final class InvalidRecordException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final RejectReason reason;

    public InvalidRecordException(RejectReason reason, String detail) {
        super(reason + ": " + detail);
        this.reason = reason;
    }

    public RejectReason reason() {
        return reason;
    }
}
