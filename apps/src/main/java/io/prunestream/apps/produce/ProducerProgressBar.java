package io.prunestream.apps.produce;

import io.prunestream.apps.ProgressBars;
import io.prunestream.connectors.producer.Progress;
import java.io.PrintStream;
import java.text.DecimalFormat;
import java.text.DecimalFormatSymbols;
import java.time.Duration;
import java.util.Locale;
import java.util.function.Consumer;
import me.tongfei.progressbar.ProgressBar;

/**
 * The producer's progress on the console: percentage, samples, elapsed time, time left and
 * samples/s, from the progress {@code DatasetProducer.produce} reports. Make it right before the
 * call, so that its clock (and rate) includes the producer's start-up, as a user's watch would; it
 * closes at the last report.
 */
public final class ProducerProgressBar implements Consumer<Progress>, AutoCloseable {
    private final ProgressBar bar;
    private boolean closed;

    /** A bar of {@code samples} on {@code out}, in place when {@code terminal}, else lines. */
    public ProducerProgressBar(String task, long samples, PrintStream out, boolean terminal) {
        bar =
                ProgressBars.builder(
                                task,
                                samples,
                                out,
                                terminal,
                                Duration.ofMillis(200),
                                Duration.ofSeconds(10),
                                120)
                        .setUnit(" samples", 1)
                        .showSpeed(
                                new DecimalFormat(
                                        "#,##0", DecimalFormatSymbols.getInstance(Locale.ROOT)))
                        .build();
    }

    /** A bar on stderr, drawn in place if the console is a terminal. */
    public static ProducerProgressBar onStderr(String task, long samples) {
        return new ProducerProgressBar(task, samples, System.err, ProgressBars.isTerminal());
    }

    @Override
    public void accept(Progress p) {
        if (closed) {
            return;
        }
        bar.stepTo(p.samplesSent());
        if (p.isDone()) {
            close();
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            bar.close();
        }
    }
}
