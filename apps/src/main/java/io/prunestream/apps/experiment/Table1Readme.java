package io.prunestream.apps.experiment;

import io.prunestream.core.config.UsageException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The README's generated Table-1 block: the text between {@link #BEGIN} and {@link #END}, which
 * {@code ./prunestream experiment --report-only --readme README.md} rewrites from the committed
 * results.
 */
public final class Table1Readme {
    private Table1Readme() {}

    public static final String BEGIN =
            "<!-- table1:begin — generated from results/table1/ by"
                    + " `./prunestream experiment --report-only --readme README.md`; do not edit"
                    + " -->";
    public static final String END = "<!-- table1:end -->";

    /** The block's text (without the markers) in {@code file}. */
    public static String block(Path file) {
        String text = read(file);
        int b = text.indexOf(BEGIN);
        int e = text.indexOf(END);
        if (b < 0 || e < b) {
            throw new UsageException(
                    file
                            + " has no Table-1 block: add a line '"
                            + BEGIN
                            + "' and a line '"
                            + END
                            + "' where the tables go");
        }
        return text.substring(b + BEGIN.length() + 1, e);
    }

    /** Replaces the block's text in {@code file} with {@code markdown}. */
    public static void replaceBlock(Path file, String markdown) {
        String text = read(file);
        String old = block(file);
        int at = text.indexOf(BEGIN) + BEGIN.length() + 1;
        String updated = text.substring(0, at) + markdown + text.substring(at + old.length());
        try {
            Files.writeString(file, updated);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
    }

    private static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UsageException("cannot read " + file + ": " + e.getMessage());
        }
    }
}
