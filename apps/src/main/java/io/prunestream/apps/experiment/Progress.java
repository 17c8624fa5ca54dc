package io.prunestream.apps.experiment;

import io.prunestream.apps.ProgressBars;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;

/**
 * A progress bar for one long loop (steps, rate, time left, the latest loss) that also shows where
 * the whole command stands. On a terminal the bar redraws in place; otherwise (a log file, a test)
 * it prints one line per update.
 */
final class Progress implements AutoCloseable {
    private final ProgressBar bar;
    private final Table table;
    private final int batchSize;
    private String message = "";

    private Progress(ProgressBar bar, Table table, int batchSize) {
        this.bar = bar;
        this.table = table;
        this.batchSize = batchSize;
    }

    /** One step done, with its loss. */
    void step(double loss) {
        table.done += batchSize;
        bar.step();
        bar.setExtraMessage(
                String.format(Locale.ROOT, " loss %.3f%s | %s", loss, message, table.eta()));
    }

    /** A note shown after the loss until the next one. */
    void message(String m) {
        message = m.isEmpty() ? "" : ", " + m;
    }

    @Override
    public void close() {
        bar.close();
    }

    /**
     * The whole command: samples planned and done (bases train at a larger batch than the pruning
     * runs, so work is counted in samples), for an estimate of the time left.
     */
    static final class Table {
        private final PrintStream out;
        private final boolean terminal;
        private final long start = System.nanoTime();
        private long planned;
        private long done;

        Table(PrintStream out, boolean terminal) {
            this.out = out;
            this.terminal = terminal;
        }

        /** Adds (or, negative, removes) planned work, in samples. */
        void plan(long samples) {
            planned += samples;
        }

        long planned() {
            return planned;
        }

        /** A bar for a loop of {@code steps} steps of {@code batchSize} samples. */
        Progress bar(String task, long steps, int batchSize) {
            ProgressBarBuilder b =
                    ProgressBars.builder(
                                    task,
                                    steps,
                                    out,
                                    terminal,
                                    Duration.ofSeconds(1),
                                    Duration.ofSeconds(30),
                                    200)
                            .setUnit(" it", 1)
                            .showSpeed();
            return new Progress(b.build(), this, batchSize);
        }

        /** "all 34% done, about 1:02:03 left" for the whole command. */
        String eta() {
            if (planned <= 0) {
                return "all: nothing planned";
            }
            double frac = Math.min(1, (double) done / planned);
            if (done == 0) {
                return String.format(Locale.ROOT, "all %.0f%%", 100 * frac);
            }
            double secs = (System.nanoTime() - start) / 1e9;
            long left = Math.round(secs / done * Math.max(0, planned - done));
            return String.format(
                    Locale.ROOT, "all %.0f%% done, about %s left", 100 * frac, clock(left));
        }

        /** Prints a line, with where the whole command stands. */
        void line(String text) {
            out.println(text + "  [" + eta() + "]");
        }

        static String clock(long seconds) {
            Duration d = Duration.ofSeconds(seconds);
            return String.format(
                    Locale.ROOT, "%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
        }
    }
}
