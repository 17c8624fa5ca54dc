package io.prunestream.core.data;

import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.GZIPInputStream;

/**
 * Reads IDX files (the MNIST format): big-endian magic 2051 for images (count, rows, cols, then
 * bytes) or 2049 for labels (count, then bytes). Gzipped files are recognised by their header.
 */
public final class IdxReader {
    private IdxReader() {}

    /**
     * Images as {@code [count][rows*cols]} bytes flattened; returns {count, rows, cols} in dims.
     */
    public static byte[] readImages(Path file, int[] dims) throws IOException {
        try (DataInputStream in = open(file, 2051, "image")) {
            int n = in.readInt();
            int rows = in.readInt();
            int cols = in.readInt();
            dims[0] = n;
            dims[1] = rows;
            dims[2] = cols;
            byte[] data = new byte[Math.multiplyExact(Math.multiplyExact(n, rows), cols)];
            in.readFully(data);
            return data;
        }
    }

    public static int[] readLabels(Path file) throws IOException {
        try (DataInputStream in = open(file, 2049, "label")) {
            int n = in.readInt();
            byte[] raw = new byte[n];
            in.readFully(raw);
            int[] labels = new int[n];
            for (int i = 0; i < n; i++) {
                labels[i] = raw[i] & 0xff;
            }
            return labels;
        }
    }

    /** The file, unzipped if gzipped, positioned after its magic number, which is checked. */
    private static DataInputStream open(Path file, int magic, String kind) throws IOException {
        InputStream raw = new BufferedInputStream(Files.newInputStream(file), 1 << 16);
        raw.mark(2);
        int b1 = raw.read();
        int b2 = raw.read();
        raw.reset();
        InputStream in = (b1 == 0x1f && b2 == 0x8b) ? new GZIPInputStream(raw, 1 << 16) : raw;
        DataInputStream data = new DataInputStream(in);
        int found = data.readInt();
        if (found != magic) {
            data.close();
            throw new IOException(
                    String.format(
                            "%s is not an IDX %s file (magic %d, expected %d)",
                            file, kind, found, magic));
        }
        return data;
    }
}
