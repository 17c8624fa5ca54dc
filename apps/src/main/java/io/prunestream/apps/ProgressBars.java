package io.prunestream.apps;

import java.io.Console;
import java.io.PrintStream;
import java.time.Duration;
import java.util.function.Consumer;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.DelegatingProgressBarConsumer;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * The programs' progress bars (me.tongfei progressbar): on a terminal a bar redrawn in place;
 * otherwise (a log file, a pipe, a test) one plain line per update, so logs stay readable.
 */
public final class ProgressBars {
    private ProgressBars() {}

    /** True when the console is an interactive terminal (not redirected). */
    public static boolean isTerminal() {
        Console c = System.console();
        if (c == null) {
            return false;
        }
        try {
            // Java 22+ returns a console for redirected streams too and says so here
            return (Boolean) Console.class.getMethod("isTerminal").invoke(c);
        } catch (NoSuchMethodException e) {
            return true; // before Java 22 there is a console only on a terminal
        } catch (ReflectiveOperationException e) {
            return false;
        }
    }

    /**
     * A bar of {@code max} units writing to {@code out}: redrawn every {@code redraw} on a terminal
     * (as wide as the terminal), else a line of at most {@code width} characters every {@code line}
     * (and one when it closes).
     */
    public static ProgressBarBuilder builder(
            String task,
            long max,
            PrintStream out,
            boolean terminal,
            Duration redraw,
            Duration line,
            int width) {
        ProgressBarBuilder b = new ProgressBarBuilder().setTaskName(task).setInitialMax(max);
        if (terminal) {
            return b.setConsumer(new ConsoleProgressBarConsumer(out))
                    .setUpdateIntervalMillis((int) redraw.toMillis());
        }
        return b.setConsumer(new DelegatingProgressBarConsumer(new NewLines(out), width))
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis((int) line.toMillis());
    }

    /** Prints each rendering of a bar that differs from the one before, one line each. */
    private static final class NewLines implements Consumer<String> {
        private final PrintStream out;
        private String last;

        NewLines(PrintStream out) {
            this.out = out;
        }

        @Override
        public void accept(String line) {
            if (!line.equals(last)) {
                out.println(line);
                last = line;
            }
        }
    }
}
