package io.prunestream.core.data;

import io.prunestream.core.config.Named;
import java.io.Serializable;

/**
 * Where labelled samples come from: a built-in image data set ({@link Datasets}) or a CSV file of
 * feature vectors ({@link CsvFile}).
 */
public sealed interface SampleSource extends Serializable permits Datasets, CsvFile {

    /** The name users write: {@code fashion-mnist}, {@code mnist} or {@code csv:FILE}. */
    String id();

    /**
     * {@code fashion-mnist}, {@code mnist} or {@code csv:FILE} (its label in the last column;
     * {@link CsvFile#withLabelColumn} picks another).
     */
    static SampleSource parse(String s) {
        String t = s == null ? "" : s.trim();
        if (t.regionMatches(true, 0, CsvFile.PREFIX, 0, CsvFile.PREFIX.length())) {
            return CsvFile.of(t.substring(CsvFile.PREFIX.length()));
        }
        return Named.parse(Datasets.class, t, "data set", "fashion-mnist, mnist or csv:FILE");
    }
}
