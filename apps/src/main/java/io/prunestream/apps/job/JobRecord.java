package io.prunestream.apps.job;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.config.PruneOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;

/**
 * What the local launcher records of each Flink job it runs, in {@code <output.dir>/jobs/<job
 * id>.json}: when it started, what it resumed from, the settings that decide its computation, and
 * how it ended. {@code --resume} reads these to take the newest state of the job that last wrote
 * into the folder, and to refuse settings that differ from that job's.
 *
 * @param started ISO-8601 instant
 * @param resumedFrom the checkpoint or savepoint folder it started from, or null
 * @param settings the settings that decide the computation ({@link #settings(Configuration)})
 * @param ended how it ended, or null while it runs (or when its process was killed)
 */
public record JobRecord(
        String jobId,
        String started,
        String resumedFrom,
        Map<String, String> settings,
        Ended ended) {

    /** How Flink ended the job, as the launcher saw it. */
    public enum State {
        /** A bounded stream ran to its end: Flink deleted the job's checkpoints. */
        FINISHED,
        /** Stopped on request with a savepoint. */
        STOPPED,
        /** Stopped on request without a savepoint in time: cancelled, checkpoints kept. */
        CANCELED,
        /** Failed for good after its restarts: checkpoints kept. */
        FAILED
    }

    /**
     * @param savepoint the savepoint taken when it stopped, or null
     * @param checkpoint the checkpoint to continue from when it was cancelled, or null
     */
    public record Ended(State state, String at, String savepoint, String checkpoint) {}

    /** Job-wide keys that decide what is trained on (per-run settings are added per run). */
    private static final List<ConfigOption<?>> JOB_KEYS =
            List.of(
                    PruneOptions.TOPIC,
                    PruneOptions.SAMPLE_SHAPE,
                    PruneOptions.CLASSES,
                    PruneOptions.VALUE_RANGE);

    /**
     * Per-run keys a resume may change: what is reported, and how the numeric guard answers from
     * now on (prune.guard.resume-paused is set on a resume, after fixing a paused run's cause).
     */
    private static final Set<ConfigOption<?>> MAY_CHANGE_ON_RESUME =
            Set.of(
                    PruneOptions.EVAL_INTERVAL,
                    PruneOptions.PUBLISH_INTERVAL,
                    PruneOptions.STATS_INTERVAL,
                    PruneOptions.GUARD_MAX_BAD_STEPS,
                    PruneOptions.GUARD_RESPONSE,
                    PruneOptions.GUARD_LR_FACTOR,
                    PruneOptions.GUARD_RESUME_PAUSED);

    private static final ObjectMapper JSON =
            new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /** A job that starts now. */
    static JobRecord started(String jobId, Checkpoints.Found resumedFrom, Configuration conf) {
        return new JobRecord(
                jobId,
                Instant.now().toString(),
                resumedFrom == null ? null : resumedFrom.dir().toString(),
                settings(conf),
                null);
    }

    /** This record with its end. */
    JobRecord ended(State state, String savepoint, String checkpoint) {
        return new JobRecord(
                jobId,
                started,
                resumedFrom,
                settings,
                new Ended(state, Instant.now().toString(), savepoint, checkpoint));
    }

    /**
     * The settings that decide the computation, each under the key that sets it: the job-wide ones
     * and, per run, {@code prune.run.<id>.<option>} with the value in effect for that run. A run
     * added or removed later has its own keys, so only the runs present in both are compared.
     */
    public static Map<String, String> settings(Configuration conf) {
        Map<String, String> out = new TreeMap<>();
        for (ConfigOption<?> o : JOB_KEYS) {
            out.put(o.key(), String.valueOf(conf.get(o)));
        }
        for (String run : conf.get(PruneOptions.RUNS)) {
            for (ConfigOption<?> o : PruneOptions.PER_RUN) {
                if (!MAY_CHANGE_ON_RESUME.contains(o)) {
                    out.put(
                            "prune.run." + run + "." + o.key().substring("prune.".length()),
                            String.valueOf(JobConfig.perRun(conf, run, o)));
                }
            }
        }
        return out;
    }

    /**
     * The first setting that differs from {@code now} as one line ({@code key: was 'a', now 'b'}),
     * or empty. Keys only one side has (a run added or removed, an option of another build) are not
     * compared.
     */
    Optional<String> mismatch(Map<String, String> now) {
        for (Map.Entry<String, String> e : settings.entrySet()) {
            String current = now.get(e.getKey());
            if (current != null && !current.equals(e.getValue())) {
                return Optional.of(
                        e.getKey() + " was '" + e.getValue() + "', now '" + current + "'");
            }
        }
        return Optional.empty();
    }

    /** The folder the records of {@code outputDir} are in. */
    static Path folder(Path outputDir) {
        return outputDir.resolve("jobs");
    }

    /** Writes this record (atomically: a reader sees the old or the new one). */
    void write(Path outputDir) {
        Path dir = folder(outputDir);
        try {
            Files.createDirectories(dir);
            Path tmp = dir.resolve("." + jobId + ".json.tmp");
            JSON.writeValue(tmp.toFile(), this);
            Files.move(
                    tmp,
                    dir.resolve(jobId + ".json"),
                    StandardCopyOption.REPLACE_EXISTING,
                    StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the job record in " + dir, e);
        }
    }

    /** Every readable record under {@code outputDir}, oldest start first. */
    static List<JobRecord> readAll(Path outputDir) {
        Path dir = folder(outputDir);
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        List<JobRecord> all = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path f : files.filter(f -> f.toString().endsWith(".json")).toList()) {
                try {
                    all.add(JSON.readValue(f.toFile(), JobRecord.class));
                } catch (IOException unreadable) {
                    // a record cut short by a crash tells nothing: skip it
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir, e);
        }
        all.sort(java.util.Comparator.comparing(r -> Instant.parse(r.started())));
        return all;
    }

    /** Whether {@code savepoint} was taken of this job (its record or Flink's name says so). */
    boolean owns(Checkpoints.Found savepoint) {
        if (ended != null
                && ended.savepoint() != null
                && localPath(ended.savepoint())
                        .equals(savepoint.dir().toAbsolutePath().normalize())) {
            return true;
        }
        // Flink names a savepoint folder savepoint-<first 6 hex digits of the job id>-<random>
        return savepoint
                .dir()
                .getFileName()
                .toString()
                .startsWith("savepoint-" + jobId.substring(0, 6) + "-");
    }

    /** A path Flink wrote as a URI ({@code file:/…}) or a plain path, as a local path. */
    static Path localPath(String flinkPath) {
        Path p =
                flinkPath.startsWith("file:")
                        ? Path.of(URI.create(flinkPath))
                        : Path.of(flinkPath.replaceFirst("/_metadata$", ""));
        return p.toAbsolutePath().normalize();
    }
}
