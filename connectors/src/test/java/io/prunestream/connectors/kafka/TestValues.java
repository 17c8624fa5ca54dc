package io.prunestream.connectors.kafka;

import io.prunestream.connectors.record.RejectReason;
import io.prunestream.connectors.record.SampleBatch;
import java.nio.charset.StandardCharsets;

/** A few values of every type, covering nulls, both dtypes and long strings. */
final class TestValues {
    private TestValues() {}

    static SampleBatch[] batches() {
        return new SampleBatch[] {
            SampleBatch.ofUint8(new int[] {1, 2, 2}, new int[] {3}, new byte[] {0, 1, 2, -1}),
            SampleBatch.ofFloat32(new int[] {3}, new int[] {0, 9}, new float[] {1, 2, 3, 4, 5, 6}),
            SampleBatch.ofUint8(new int[] {1, 28, 28}, new int[] {7}, new byte[784]),
        };
    }

    static DeadLetter[] deadLetters() {
        return new DeadLetter[] {
            new DeadLetter(
                    "k".getBytes(StandardCharsets.UTF_8),
                    new byte[] {1, 2, 3},
                    "samples",
                    2,
                    17L,
                    1_700_000_000_000L,
                    RejectReason.BAD_MAGIC,
                    "magic (bytes 0-3): ..."),
            new DeadLetter(
                    null, null, "samples", 0, 0L, -1L, RejectReason.NULL_VALUE, "value: null"),
            new DeadLetter(
                    new byte[0],
                    new byte[100_000],
                    "t",
                    7,
                    Long.MAX_VALUE,
                    0L,
                    RejectReason.LENGTH_MISMATCH,
                    "x".repeat(70_000)),
        };
    }

    static IngestedRecord[] ingested() {
        SampleBatch[] b = batches();
        DeadLetter[] d = deadLetters();
        return new IngestedRecord[] {
            IngestedRecord.accepted(b[0], "samples", 0, 5L, 123L, null),
            IngestedRecord.accepted(b[1], "samples", 1, 6L, 124L, new byte[] {9}),
            IngestedRecord.rejected(d[0]),
            IngestedRecord.rejected(d[1]),
        };
    }
}
