package io.prunestream.apps.experiment;

import java.io.PrintStream;
import java.util.Locale;

/** A one-line progress display for long loops: percentage, rate, loss and time left. */
final class Progress {
    private final PrintStream out;
    private final String label;
    private final long total;
    private final long start = System.nanoTime();
    private long lastPrint;

    Progress(PrintStream out, String label, long total) {
        this.out = out;
        this.label = label;
        this.total = total;
    }

    void update(long done, double loss) {
        long now = System.nanoTime();
        if (done < total && now - lastPrint < 2_000_000_000L) {
            return;
        }
        lastPrint = now;
        double secs = (now - start) / 1e9;
        double rate = done / Math.max(secs, 1e-9);
        double left = (total - done) / Math.max(rate, 1e-9);
        out.printf(
                Locale.ROOT,
                "  %-16s %5.1f%%  %d/%d it  %.1f it/s  loss %.4f  %s%n",
                label,
                100.0 * done / total,
                done,
                total,
                rate,
                loss,
                done < total
                        ? String.format(Locale.ROOT, "~%.0f s left", left)
                        : String.format(Locale.ROOT, "done in %.0f s", secs));
    }
}
