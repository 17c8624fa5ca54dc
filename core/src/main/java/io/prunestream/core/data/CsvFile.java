package io.prunestream.core.data;

import io.prunestream.core.config.UsageException;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A CSV file of labelled feature vectors, one sample per line: numbers separated by commas, one of
 * them (by default the last) the class index 0, 1, 2, ... A first line that is not all numbers is a
 * header and is skipped; blank lines are skipped. A bad row (another number of fields than the
 * first line, a value that is not a finite number, a label that is not a class index) is a {@link
 * UsageException} naming {@code file:line} and the column.
 *
 * <pre>{@code
 * LabelledVectors rows = CsvFile.of("train.csv").withLabelColumn(0).load(Long.MAX_VALUE);
 * }</pre>
 *
 * @param file the file's path
 * @param labelColumn the label's column, 0 = first; -1 = the last
 */
public record CsvFile(String file, int labelColumn) implements SampleSource {
    /** How users name a CSV file as a data set: {@code csv:FILE}. */
    public static final String PREFIX = "csv:";

    public CsvFile {
        if (file == null || file.isBlank()) {
            throw new IllegalArgumentException(
                    "csv data needs a file: write csv:FILE, e.g. csv:data/train.csv");
        }
        if (labelColumn < -1) {
            throw new IllegalArgumentException(
                    "label column " + labelColumn + ": give 0 (the first column) or more");
        }
    }

    /** A CSV file whose label is the last column. */
    public static CsvFile of(String file) {
        return new CsvFile(file, -1);
    }

    public CsvFile withLabelColumn(int column) {
        return new CsvFile(file, column);
    }

    @Override
    public String id() {
        return PREFIX + file;
    }

    /** The first {@code limit} rows. */
    public LabelledVectors load(long limit) {
        Path path = Path.of(file);
        if (!Files.isRegularFile(path)) {
            throw new UsageException(
                    id() + ": no such file: give the path of a CSV file (csv:FILE)");
        }
        try (BufferedReader in = Files.newBufferedReader(path, StandardCharsets.UTF_8)) {
            return read(in, limit);
        } catch (IOException e) {
            throw new UsageException(file + ": cannot read the CSV file: " + e.getMessage(), e);
        }
    }

    private LabelledVectors read(BufferedReader in, long limit) throws IOException {
        int columns = -1;
        int label = -1;
        float[] values = new float[1024];
        int[] labels = new int[64];
        int rows = 0;
        int lineNo = 0;
        String line;
        while (rows < limit && (line = in.readLine()) != null) {
            lineNo++;
            if (line.isBlank()) {
                continue;
            }
            String[] f = line.split(",", -1);
            if (columns < 0) {
                columns = f.length;
                if (columns < 2) {
                    throw bad(
                            lineNo, "one field; a row needs features and a label, comma-separated");
                }
                label = labelColumn < 0 ? columns - 1 : labelColumn;
                if (label >= columns) {
                    throw bad(
                            lineNo,
                            "label column "
                                    + labelColumn
                                    + ", but the file has "
                                    + columns
                                    + " columns (0.."
                                    + (columns - 1)
                                    + ")");
                }
                if (!allNumbers(f)) {
                    continue; // a header
                }
            }
            if (f.length != columns) {
                throw bad(
                        lineNo,
                        f.length + " fields, expected " + columns + " as in the file's first line");
            }
            int features = columns - 1;
            if ((rows + 1) * features > values.length) {
                values = Arrays.copyOf(values, Math.max(values.length * 2, (rows + 1) * features));
            }
            if (rows == labels.length) {
                labels = Arrays.copyOf(labels, labels.length * 2);
            }
            int k = rows * features;
            for (int c = 0; c < columns; c++) {
                String v = unquote(f[c]);
                if (c == label) {
                    labels[rows] = classIndex(v, lineNo, c);
                } else {
                    values[k++] = number(v, lineNo, c);
                }
            }
            rows++;
        }
        if (rows == 0) {
            throw new UsageException(id() + ": no rows: give a file with one sample per line");
        }
        return new LabelledVectors(
                file,
                columns - 1,
                Arrays.copyOf(values, rows * (columns - 1)),
                Arrays.copyOf(labels, rows));
    }

    private static boolean allNumbers(String[] fields) {
        for (String s : fields) {
            try {
                Float.parseFloat(unquote(s));
            } catch (NumberFormatException e) {
                return false;
            }
        }
        return true;
    }

    private float number(String v, int line, int column) {
        float x;
        try {
            x = Float.parseFloat(v);
        } catch (NumberFormatException e) {
            throw bad(line, "column " + column + " ('" + v + "') is not a number");
        }
        if (!Float.isFinite(x)) {
            throw bad(line, "column " + column + " is " + v + ", expected a finite number");
        }
        return x;
    }

    private int classIndex(String v, int line, int column) {
        double d;
        try {
            d = Double.parseDouble(v);
        } catch (NumberFormatException e) {
            d = -1;
        }
        if (!(d >= 0) || d != Math.rint(d) || d > Integer.MAX_VALUE) {
            throw bad(
                    line,
                    "label (column "
                            + column
                            + ") is '"
                            + v
                            + "', expected a class index 0, 1, 2, ... (map class names to"
                            + " indices, or fix the label column)");
        }
        return (int) d;
    }

    private static String unquote(String s) {
        String t = s.trim();
        return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"")
                ? t.substring(1, t.length() - 1).trim()
                : t;
    }

    private UsageException bad(int line, String what) {
        return new UsageException(file + ":" + line + ": " + what);
    }
}
