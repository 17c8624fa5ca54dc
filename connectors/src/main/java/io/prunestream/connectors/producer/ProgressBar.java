package io.prunestream.connectors.producer;

import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;

/**
 * A one-line progress bar redrawn with {@code \r}: percentage, samples, samples/s and ETA. The
 * producer calls it a few times a second, so it draws every call.
 */
final class ProgressBar implements Consumer<Progress> {
    private static final int WIDTH = 30;

    private final PrintStream out;
    private final String label;
    private boolean finished;

    ProgressBar(PrintStream out, String label) {
        this.out = out;
        this.label = label;
    }

    @Override
    public void accept(Progress p) {
        if (finished) {
            return;
        }
        out.print("\r" + render(label, p));
        if (p.isDone()) {
            out.println();
            finished = true;
        }
        out.flush();
    }

    static String render(String label, Progress p) {
        int filled = (int) Math.round(p.fraction() * WIDTH);
        StringBuilder bar = new StringBuilder(WIDTH);
        for (int i = 0; i < WIDTH; i++) {
            bar.append(i < filled ? '#' : '-');
        }
        Duration eta = p.isDone() ? p.elapsed() : p.eta();
        return String.format(
                Locale.ROOT,
                "%s [%s] %5.1f%%  %,d/%,d samples  %,.0f samples/s  %s %s",
                label,
                bar,
                p.fraction() * 100,
                p.samplesSent(),
                p.totalSamples(),
                p.samplesPerSecond(),
                p.isDone() ? "took" : "ETA",
                eta == null ? "--:--" : clock(eta));
    }

    static String clock(Duration d) {
        long s = d.toSeconds();
        return s >= 3600
                ? String.format(Locale.ROOT, "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
                : String.format(Locale.ROOT, "%d:%02d", s / 60, s % 60);
    }
}
