package io.prunestream.connectors.record;

/** Hand-written test bytes: {@code hex("50535243 01 00")}; spaces are ignored. */
final class Hex {
    private Hex() {}

    static byte[] hex(String s) {
        String h = s.replaceAll("\\s+", "");
        if (h.length() % 2 != 0) {
            throw new IllegalArgumentException("odd number of hex digits in " + s);
        }
        byte[] b = new byte[h.length() / 2];
        for (int i = 0; i < b.length; i++) {
            b[i] = (byte) Integer.parseInt(h.substring(2 * i, 2 * i + 2), 16);
        }
        return b;
    }
}
