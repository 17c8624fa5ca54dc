package io.prunestream.connectors.kafka;

import java.io.Serializable;

/**
 * Which samples of a topic are held out for evaluation: a share {@code fraction}, chosen by a hash
 * of each sample's place (partition, offset, index within its record), so the same samples are held
 * out on every read of the topic, after any restart, whatever the order records arrive in.
 *
 * <pre>{@code
 * HoldOut h = new HoldOut(0.05);
 * boolean evalOnly = h.heldOut(record.partition(), record.offset(), i); // never trained on
 * }</pre>
 *
 * @param fraction share of samples held out, in (0, 1)
 */
public record HoldOut(double fraction) implements Serializable {

    public HoldOut {
        if (!(fraction > 0 && fraction < 1)) {
            throw new IllegalArgumentException(
                    "held-out share must be in (0, 1), got " + fraction + ": e.g. 0.05");
        }
    }

    /**
     * Whether sample {@code index} of the record at {@code partition}/{@code offset} is held out.
     */
    public boolean heldOut(int partition, long offset, int index) {
        long h = mix(mix(mix(0x9E3779B97F4A7C15L ^ partition) ^ offset) ^ index);
        return (h >>> 11) * 0x1.0p-53 < fraction;
    }

    /** For each sample of {@code r}'s batch, whether it is held out. */
    public boolean[] of(IngestedRecord r) {
        boolean[] out = new boolean[r.batch().count()];
        for (int i = 0; i < out.length; i++) {
            out[i] = heldOut(r.partition(), r.offset(), i);
        }
        return out;
    }

    /** SplitMix64's finaliser: every input bit moves every output bit. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
