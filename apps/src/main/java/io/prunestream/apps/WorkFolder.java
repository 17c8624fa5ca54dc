package io.prunestream.apps;

import io.prunestream.core.config.UsageException;
import io.prunestream.testing.LocalFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The {@code --work-dir} and {@code --keep} options of the programs that start brokers and jobs:
 * where they write, and whether it stays after the run.
 */
public final class WorkFolder {
    @Option(
            names = "--work-dir",
            paramLabel = "DIR",
            description = "Where brokers and jobs write (default: a temporary folder).")
    Path dir;

    @Option(names = "--keep", description = "Keep the work folder.")
    boolean keep;

    /** The folder given, created if needed, or a new temporary one named after the program. */
    public Path create(String program) throws IOException {
        if (dir == null) {
            return Files.createTempDirectory("prunestream-" + program);
        }
        try {
            return Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UsageException(
                    "--work-dir "
                            + dir
                            + ": cannot create the folder ("
                            + e
                            + "): give a folder that can be written");
        }
    }

    /** Deletes {@code path} (the work folder or a part of it) unless --keep was given. */
    public void done(Path path) throws IOException {
        if (!keep) {
            LocalFiles.deleteTree(path);
        }
    }
}
