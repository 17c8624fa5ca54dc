package io.prunestream.apps.measure;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;

/** What the operating system says about a process and a folder. */
public final class ProcessStats {
    private ProcessStats() {}

    /**
     * Resident set size of process {@code pid} in bytes (VmRSS of /proc/pid/status), -1 if gone.
     */
    public static long rssBytes(long pid) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
            for (String l : lines) {
                if (l.startsWith("VmRSS:")) {
                    return parseKb(l);
                }
            }
            return -1;
        } catch (IOException e) {
            return -1;
        }
    }

    /** {@code "VmRSS: 123456 kB"} in bytes. */
    static long parseKb(String line) {
        String[] f = line.substring(line.indexOf(':') + 1).trim().split("\\s+");
        long v = Long.parseLong(f[0]);
        if (f.length < 2 || !f[1].equalsIgnoreCase("kB")) {
            throw new IllegalArgumentException("expected a value in kB, got '" + line + "'");
        }
        return v * 1024;
    }

    /**
     * Bytes of the regular files under {@code root} (0 if it does not exist). Files that vanish
     * while walking (Flink deletes old checkpoints concurrently) are skipped.
     */
    public static long folderBytes(Path root) {
        if (!Files.exists(root)) {
            return 0;
        }
        long[] sum = {0};
        try {
            Files.walkFileTree(
                    root,
                    new SimpleFileVisitor<>() {
                        @Override
                        public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                            if (a.isRegularFile()) {
                                sum[0] += a.size();
                            }
                            return FileVisitResult.CONTINUE;
                        }

                        @Override
                        public FileVisitResult visitFileFailed(Path f, IOException e) {
                            return FileVisitResult.CONTINUE;
                        }
                    });
        } catch (IOException e) {
            // a folder vanished under us: what was counted stands
        }
        return sum[0];
    }
}
