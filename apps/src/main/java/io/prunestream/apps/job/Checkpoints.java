package io.prunestream.apps.job;

import io.prunestream.core.config.UsageException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Finds what a job can resume from under its output folder: a complete retained checkpoint ({@code
 * checkpoints/<job>/chk-N/_metadata}) or savepoint ({@code savepoints/savepoint-…/_metadata}). A
 * checkpoint or savepoint is complete once Flink has written its {@code _metadata}. {@link
 * #resumePoint} takes the newest one of the job that last wrote into the folder ({@link
 * JobRecord}), never an older job's.
 */
public final class Checkpoints {
    private Checkpoints() {}

    /** A complete checkpoint or savepoint folder. */
    public record Found(Path dir, boolean savepoint, long modified) {
        /** The checkpoint number of {@code chk-N}, or -1 for a savepoint. */
        public long checkpointId() {
            String n = dir.getFileName().toString();
            return n.startsWith("chk-") ? Long.parseLong(n.substring(4)) : -1;
        }

        public String describe() {
            return savepoint
                    ? "savepoint " + dir
                    : "checkpoint " + checkpointId() + " (" + dir + ")";
        }
    }

    /** The newest complete checkpoint or savepoint under {@code outputDir}, if any. */
    public static Optional<Found> newest(Path outputDir) {
        try (Stream<Found> all =
                Stream.concat(
                        find(outputDir.resolve("checkpoints"), 3, false),
                        find(outputDir.resolve("savepoints"), 2, true))) {
            return all.max(Comparator.comparingLong(Found::modified));
        }
    }

    /**
     * What {@code --resume} continues from: {@code path} when given (else the newest state of the
     * job that last wrote into {@code outputDir}), after checking that the settings that decide the
     * computation are that job's ({@code settings}, from {@link JobRecord#settings}).
     *
     * @throws UsageException when there is nothing to resume, the last job finished, or a setting
     *     differs; the message names what and says how to go on
     */
    public static Found resumePoint(
            Path outputDir, String path, Map<String, String> settings, PrintStream console) {
        Path out = outputDir.toAbsolutePath().normalize();
        Found from;
        Optional<JobRecord> owner;
        if (path != null && !path.isEmpty()) {
            from = at(Path.of(path));
            owner = owner(from, out);
            if (owner.isEmpty()) {
                console.println(
                        "prunestream job: no record of the job that wrote "
                                + from.dir()
                                + " (an older build wrote it): its settings are not checked");
            }
        } else {
            List<JobRecord> jobs = JobRecord.readAll(out);
            if (jobs.isEmpty()) {
                from = newest(out).orElseThrow(() -> nothingUnder(out));
                console.println(
                        "prunestream job: no job records under "
                                + out
                                + " (an older build wrote it): taking the newest there");
                owner = Optional.empty();
            } else {
                JobRecord last = jobs.get(jobs.size() - 1);
                from = newestOf(last, out);
                owner = Optional.of(last);
            }
        }
        owner.flatMap(r -> r.mismatch(settings))
                .ifPresent(
                        m -> {
                            throw new UsageException(
                                    "--resume: "
                                            + m
                                            + " in job "
                                            + owner.get().jobId()
                                            + ", which wrote "
                                            + from.dir()
                                            + ": resume with the same value, or start fresh in"
                                            + " a new output.dir");
                        });
        return from;
    }

    /** The newest complete checkpoint or savepoint that {@code job} wrote under {@code out}. */
    static Optional<Found> newestOwn(JobRecord job, Path out) {
        try (Stream<Found> own =
                Stream.concat(
                        find(out.resolve("checkpoints").resolve(job.jobId()), 2, false),
                        find(out.resolve("savepoints"), 2, true).filter(job::owns))) {
            return own.max(Comparator.comparingLong(Found::modified));
        }
    }

    /** The newest state of {@code job}: its checkpoints and savepoints, else what it resumed. */
    private static Found newestOf(JobRecord job, Path out) {
        if (job.ended() != null && job.ended().state() == JobRecord.State.FINISHED) {
            throw new UsageException(
                    lastJob(job, out)
                            + " ran its bounded input to the end, and Flink deleted its"
                            + " checkpoints; an older checkpoint or savepoint would train on data"
                            + " again: start fresh in a new output.dir, or give --resume PATH to"
                            + " take an older one deliberately");
        }
        Optional<Found> own = newestOwn(job, out);
        if (own.isPresent()) {
            return own.get();
        }
        // stopped before its first checkpoint: nothing newer than where it started
        if (job.resumedFrom() != null
                && Files.isRegularFile(Path.of(job.resumedFrom()).resolve("_metadata"))) {
            return at(Path.of(job.resumedFrom()));
        }
        throw new UsageException(
                lastJob(job, out)
                        + " ended before its first checkpoint and did not resume one: start"
                        + " without --resume");
    }

    private static String lastJob(JobRecord job, Path out) {
        return "--resume: the last job in "
                + out
                + " ("
                + job.jobId()
                + ", started "
                + job.started()
                + ")";
    }

    /**
     * The record of the job that wrote {@code found}, from its own output folder or {@code out}.
     */
    private static Optional<JobRecord> owner(Found found, Path out) {
        Path dir = found.dir().toAbsolutePath().normalize();
        Path parent = dir.getParent();
        if (parent == null || parent.getParent() == null) {
            return Optional.empty();
        }
        // checkpoints/<job id>/chk-N or savepoints/savepoint-…
        Path itsOut = found.savepoint() ? parent.getParent() : parent.getParent().getParent();
        String jobId = found.savepoint() ? null : parent.getFileName().toString();
        return Stream.of(itsOut, out)
                .filter(o -> o != null)
                .distinct()
                .flatMap(o -> JobRecord.readAll(o).stream())
                .filter(r -> found.savepoint() ? r.owns(found) : r.jobId().equals(jobId))
                .findFirst();
    }

    private static UsageException nothingUnder(Path out) {
        return new UsageException(
                "--resume: no complete checkpoint or savepoint under "
                        + out
                        + "; start without --resume, or give its path");
    }

    /** A checkpoint or savepoint folder given by the user (its {@code _metadata} must exist). */
    public static Found at(Path path) {
        Path dir = Files.isRegularFile(path) ? path.getParent() : path;
        if (!Files.isRegularFile(dir.resolve("_metadata"))) {
            throw new UsageException(
                    "--resume "
                            + path
                            + ": no _metadata there, so it is not a complete checkpoint or"
                            + " savepoint; give a chk-N or savepoint-… folder, or no path for the"
                            + " newest under the output folder");
        }
        return new Found(dir, dir.getFileName().toString().startsWith("savepoint"), modified(dir));
    }

    private static Stream<Found> find(Path root, int depth, boolean savepoints) {
        if (!Files.isDirectory(root)) {
            return Stream.empty();
        }
        try (Stream<Path> s = Files.find(root, depth, (p, a) -> p.endsWith("_metadata"))) {
            return s
                    .map(Path::getParent)
                    .filter(
                            d ->
                                    savepoints
                                            ? d.getFileName().toString().startsWith("savepoint")
                                            : d.getFileName().toString().startsWith("chk-"))
                    .map(d -> new Found(d, savepoints, modified(d)))
                    .toList()
                    .stream();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot search " + root + " for checkpoints", e);
        }
    }

    private static long modified(Path dir) {
        try {
            return Files.getLastModifiedTime(dir.resolve("_metadata")).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }
}
