package io.prunestream.connectors.record;

/** How the sample values of a record are stored. The code is byte 5 of the record. */
public enum DType {
    /** Raw pixels 0..255, one byte each; the job scales them by 1/255. */
    UINT8(0, 1),
    /** IEEE-754 single precision, big-endian, used as is. */
    FLOAT32(1, 4);

    private final int code;
    private final int bytes;

    DType(int code, int bytes) {
        this.code = code;
        this.bytes = bytes;
    }

    /** The value of byte 5 in the record. */
    public int code() {
        return code;
    }

    /** Bytes per value. */
    public int bytes() {
        return bytes;
    }

    /** The dtype with this code, or {@code null} when no dtype has it. */
    public static DType ofCode(int code) {
        for (DType d : values()) {
            if (d.code == code) {
                return d;
            }
        }
        return null;
    }

    /** Parses {@code uint8} or {@code float32} (any case). */
    public static DType parse(String s) {
        for (DType d : values()) {
            if (d.name().equalsIgnoreCase(s.trim())) {
                return d;
            }
        }
        throw new IllegalArgumentException("unknown dtype '" + s + "': use uint8 or float32");
    }
}
