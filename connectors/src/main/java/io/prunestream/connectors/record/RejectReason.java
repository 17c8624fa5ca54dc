package io.prunestream.connectors.record;

/**
 * Why a Kafka record was not accepted as training data. The name travels as the {@code
 * prunestream.reason} header of the dead letter, so names are part of the format: never rename one.
 */
public enum RejectReason {
    /** The record has no value (a tombstone). */
    NULL_VALUE,
    /** Fewer bytes than the fixed header (13 bytes) plus the declared dims. */
    TOO_SHORT,
    /** Bytes 0-3 are not ASCII {@code PSRC}. */
    BAD_MAGIC,
    /** Byte 4 is not a format version this reader knows (1). */
    UNSUPPORTED_VERSION,
    /** Byte 5 is neither 0 (uint8) nor 1 (float32). */
    BAD_DTYPE,
    /** Bytes 6-7 are not zero. */
    BAD_RESERVED,
    /** The sample count (bytes 8-11) is outside 1..65535. */
    BAD_COUNT,
    /** The rank (byte 12) is outside 1..4, a dim is below 1, or a sample is too large. */
    BAD_SHAPE,
    /** A well-formed sample shape that differs from the one the job expects. */
    SHAPE_MISMATCH,
    /** The record's length differs from the length its header declares. */
    LENGTH_MISMATCH,
    /** A label is outside 0..classes-1. */
    LABEL_OUT_OF_RANGE,
    /** A float32 value is NaN or infinite. */
    NON_FINITE_VALUE,
    /** A finite float32 value outside the accepted {@link ValueRange}. */
    VALUE_OUT_OF_RANGE,
    /**
     * Not a record defect: a mini-batch whose training step went non-finite and was rolled back.
     * The dead letter holds the whole mini-batch as one float32 record (it may come from several
     * input records); its key is the run, its detail the iteration and why.
     */
    NON_FINITE_STEP,
    /**
     * Not a record defect: a mini-batch that a run paused by its numeric guard did not train on.
     * Held and keyed like {@link #NON_FINITE_STEP}; its detail names the iteration and how to
     * resume the run.
     */
    RUN_PAUSED;

    /** The reasons a record at the door can have (all but the trainer's, which are about steps). */
    public static java.util.List<RejectReason> recordReasons() {
        return java.util.Arrays.stream(values())
                .filter(r -> r != NON_FINITE_STEP && r != RUN_PAUSED)
                .toList();
    }
}
