package io.prunestream.apps.measure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.bytedeco.javacpp.Pointer;

/**
 * Runs a main class and, beside it, appends what only its own JVM can see to a file every few
 * seconds: heap used and committed, and the native memory JavaCPP (ND4J's off-heap buffers) has
 * allocated ({@link Pointer#totalBytes()}) and the process's physical bytes as JavaCPP reads them
 * ({@link Pointer#physicalBytes()}).
 *
 * <p>{@code JvmProbe <file> <interval-ms> <main-class> [args...]}; one line per sample: {@code
 * epoch-ms heap-used heap-committed javacpp-total javacpp-physical}.
 */
public final class JvmProbe {
    private JvmProbe() {}

    /** One sample of the file. */
    public record Sample(
            long epochMillis,
            long heapUsed,
            long heapCommitted,
            long offHeapBytes,
            long physicalBytes) {
        static Sample parse(String line) {
            String[] f = line.trim().split(" ");
            return new Sample(
                    Long.parseLong(f[0]),
                    Long.parseLong(f[1]),
                    Long.parseLong(f[2]),
                    Long.parseLong(f[3]),
                    Long.parseLong(f[4]));
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            throw new IllegalArgumentException(
                    "usage: JvmProbe <file> <interval-ms> <main-class> [args...]");
        }
        Path file = Path.of(args[0]);
        long interval = Long.parseLong(args[1]);
        Thread probe = new Thread(() -> sample(file, interval), "jvm-probe");
        probe.setDaemon(true);
        probe.start();
        String[] rest = Arrays.copyOfRange(args, 3, args.length);
        Class.forName(args[2]).getMethod("main", String[].class).invoke(null, (Object) rest);
    }

    private static void sample(Path file, long intervalMillis) {
        while (true) {
            MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            String line =
                    String.format(
                            Locale.ROOT,
                            "%d %d %d %d %d%n",
                            System.currentTimeMillis(),
                            heap.getUsed(),
                            heap.getCommitted(),
                            Pointer.totalBytes(),
                            Pointer.physicalBytes());
            try {
                Files.writeString(
                        file,
                        line,
                        StandardCharsets.UTF_8,
                        StandardOpenOption.CREATE,
                        StandardOpenOption.APPEND);
                Thread.sleep(intervalMillis);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The samples written so far (an unfinished last line is skipped). */
    public static List<Sample> read(Path file) throws IOException {
        if (!Files.exists(file)) {
            return List.of();
        }
        String all = Files.readString(file, StandardCharsets.UTF_8);
        int end = all.lastIndexOf('\n');
        if (end < 0) {
            return List.of();
        }
        return all.substring(0, end).lines().filter(l -> !l.isBlank()).map(Sample::parse).toList();
    }
}
