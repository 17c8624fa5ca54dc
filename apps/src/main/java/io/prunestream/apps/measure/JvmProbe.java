package io.prunestream.apps.measure;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryUsage;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.LongSupplier;
import org.bytedeco.javacpp.Pointer;

/**
 * Runs a main class and, beside it, appends what only its own JVM can see to a file every few
 * seconds: heap used and committed; the bytes of ND4J's data buffers as libnd4j counts them (its
 * memory counter for device 0, the host on the CPU backend); the native memory JavaCPP tracks
 * ({@link Pointer#totalBytes()}: on ND4J 1.0.0-M2.1 only small helper allocations, since libnd4j
 * allocates the data buffers itself) and the process's physical bytes as JavaCPP reads them ({@link
 * Pointer#physicalBytes()}).
 *
 * <p>{@code JvmProbe <file> <interval-ms> <main-class> [args...]}; one line per sample: {@code
 * epoch-ms heap-used heap-committed nd4j-buffers javacpp-total javacpp-physical} (-1: not available
 * on this backend).
 */
public final class JvmProbe {
    private JvmProbe() {}

    /** One sample of the file. */
    public record Sample(
            long epochMillis,
            long heapUsed,
            long heapCommitted,
            long nd4jBytes,
            long javacppBytes,
            long physicalBytes) {
        static Sample parse(String line) {
            String[] f = line.trim().split(" ");
            return new Sample(
                    Long.parseLong(f[0]),
                    Long.parseLong(f[1]),
                    Long.parseLong(f[2]),
                    Long.parseLong(f[3]),
                    Long.parseLong(f[4]),
                    Long.parseLong(f[5]));
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 3) {
            throw new IllegalArgumentException(
                    "usage: JvmProbe <file> <interval-ms> <main-class> [args...]");
        }
        Path file = Path.of(args[0]);
        long interval = Long.parseLong(args[1]);
        LongSupplier nd4j = nd4jCounter();
        Thread probe = new Thread(() -> sample(file, interval, nd4j), "jvm-probe");
        probe.setDaemon(true);
        probe.start();
        String[] rest = Arrays.copyOfRange(args, 3, args.length);
        Class.forName(args[2]).getMethod("main", String[].class).invoke(null, (Object) rest);
    }

    /**
     * libnd4j's count of allocated data-buffer bytes on the CPU backend (looked up by name, so a
     * CUDA build compiles and reports -1).
     */
    static LongSupplier nd4jCounter() {
        try {
            Class<?> env =
                    Class.forName("org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment");
            Object instance = env.getMethod("getInstance").invoke(null);
            Method counter = env.getMethod("getDeviceCounter", int.class);
            return () -> {
                try {
                    return (long) counter.invoke(instance, 0);
                } catch (ReflectiveOperationException e) {
                    return -1;
                }
            };
        } catch (ReflectiveOperationException | LinkageError e) {
            return () -> -1;
        }
    }

    private static void sample(Path file, long intervalMillis, LongSupplier nd4j) {
        while (true) {
            MemoryUsage heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage();
            String line =
                    String.format(
                            Locale.ROOT,
                            "%d %d %d %d %d %d%n",
                            System.currentTimeMillis(),
                            heap.getUsed(),
                            heap.getCommitted(),
                            nd4j.getAsLong(),
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
