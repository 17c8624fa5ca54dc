package io.prunestream.job.sink;

import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.Publication;
import io.prunestream.core.store.ModelStore;
import io.prunestream.core.store.PruningReport;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.config.JobSettings;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.io.SimpleVersionedSerializer;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.apache.flink.util.FileUtils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes model versions as folders, exactly once: the writer stages each version under {@code
 * <run>/.staging/vNNNN}, and the committer moves it to {@code <run>/vNNNN} when the checkpoint that
 * covers it completes. A version that a failover replays is staged again from the restored state
 * (the same content) and committed once; a version computed after the last checkpoint by a lost
 * execution is never committed. After a commit, versions beyond the newest {@code keepVersions} of
 * the run are deleted (0 keeps all).
 *
 * <p>A folder that exists already counts as committed only if it is the same version: the same run
 * incarnation (see {@link io.prunestream.core.run.RunState#incarnation()}) and the same model
 * content ({@link ModelStore#modelHash}). Anything else fails the job with one line and keeps the
 * staged version. A job that starts without restored state refuses an output folder that holds
 * versions of its runs already ({@link #earlierVersions}), before it trains.
 */
public final class ModelFolderSink
        implements Sink<Publication>, SupportsCommitter<ModelFolderSink.Staged> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ModelFolderSink.class);
    static final String STAGING = ".staging";

    private final int keepVersions;
    private final String outputDir;
    private final List<String> runIds;

    /**
     * @param outputDir the job's {@code output.dir}, where runs keep their versions
     * @param runIds the job's runs, checked at a fresh start
     */
    public ModelFolderSink(int keepVersions, String outputDir, List<String> runIds) {
        this.keepVersions = keepVersions;
        this.outputDir = outputDir;
        this.runIds = List.copyOf(runIds);
    }

    /**
     * A staged folder, where it goes when committed, and what it is: the incarnation of the run
     * that published it and its {@link ModelStore#modelHash}; both null for committables of format
     * 1.
     */
    public record Staged(String staged, String target, String incarnation, String modelHash) {}

    /**
     * Why a job starting from scratch must not write into {@code outputDir}, or null: it holds
     * committed versions of one of {@code runIds}, which the new runs (new incarnations, numbering
     * from v0001 again) would collide with.
     */
    public static String earlierVersions(Path outputDir, Collection<String> runIds) {
        for (String run : runIds) {
            List<Path> versions;
            try {
                versions = ModelStore.versions(outputDir.resolve(run));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot list " + outputDir.resolve(run), e);
            }
            if (!versions.isEmpty()) {
                Path newest = versions.get(versions.size() - 1);
                return "output.dir "
                        + outputDir.toAbsolutePath()
                        + " holds versions of run "
                        + run
                        + " from an earlier job (incarnation "
                        + incarnationOf(newest)
                        + ", "
                        + newest.getFileName()
                        + "): use a new output.dir, or resume that job from its checkpoint"
                        + " (./prunestream job --resume; flink run -s)";
            }
        }
        return null;
    }

    /** {@link #earlierVersions(Path, Collection)} for the job configured by {@code conf}. */
    public static String earlierVersions(Configuration conf) {
        JobSettings settings = JobConfig.settings(conf);
        return earlierVersions(Path.of(settings.outputDir()), settings.runIds());
    }

    private static String incarnationOf(Path version) {
        try {
            String inc = ModelStore.readReport(version).incarnation();
            return inc == null || inc.isEmpty() ? "unknown" : inc;
        } catch (IOException e) {
            return "unreadable: " + e.getMessage();
        }
    }

    @Override
    public SinkWriter<Publication> createWriter(WriterInitContext context) {
        boolean restored = context.getRestoredCheckpointId().isPresent();
        if (!restored) {
            // a job recovered from a checkpoint (failover, HA, --resume) is past this check
            String refused = earlierVersions(Path.of(outputDir), runIds);
            if (refused != null) {
                throw new SuppressRestartsException(new IllegalStateException(refused));
            }
        }
        return new Writer(restored);
    }

    @Override
    public Committer<Staged> createCommitter(CommitterInitContext context) {
        return new FolderCommitter(keepVersions);
    }

    @Override
    public SimpleVersionedSerializer<Staged> getCommittableSerializer() {
        return new StagedSerializer();
    }

    static Path stagingOf(Path target) {
        return target.getParent().resolve(STAGING).resolve(target.getFileName());
    }

    static final class Writer implements CommittingSinkWriter<Publication, Staged> {
        private final boolean restored;
        private final Set<Path> cleaned = new HashSet<>();
        private final List<Staged> pending = new ArrayList<>();

        Writer(boolean restored) {
            this.restored = restored;
        }

        @Override
        public void write(Publication p, Context context) throws IOException {
            ModelVersion v = p.version();
            Path target = Path.of(v.path());
            Path staged = stagingOf(target);
            if (cleaned.add(staged.getParent())) {
                // all of a run's versions come to this writer: nothing else stages there now
                cleanStaging(staged.getParent(), restored);
            }
            if (Files.exists(staged)) {
                FileUtils.deleteDirectory(staged.toFile()); // a replay stages it again
            }
            ModelStore.save(staged, p.model(), p.onnx(), v.report());
            pending.add(
                    new Staged(
                            staged.toString(),
                            target.toString(),
                            Objects.requireNonNullElse(v.incarnation(), ""),
                            ModelStore.modelHash(p.model())));
        }

        @Override
        public void flush(boolean endOfInput) {}

        @Override
        public Collection<Staged> prepareCommit() {
            List<Staged> out = List.copyOf(pending);
            pending.clear();
            return out;
        }

        @Override
        public void close() {}
    }

    /**
     * Removes what executions that died left in a run's staging folder: temporary folders of a save
     * cut short, and, when the job started without restored state, staged versions (no committable
     * of this job can refer to them). A restored job's staged versions stay: a restored committable
     * may still commit them, and a replay stages them again anyway.
     */
    static void cleanStaging(Path staging, boolean restored) throws IOException {
        if (!Files.isDirectory(staging)) {
            return;
        }
        List<String> removed = new ArrayList<>();
        try (Stream<Path> s = Files.list(staging)) {
            for (Path p : s.sorted().toList()) {
                String name = p.getFileName().toString();
                boolean orphan = name.startsWith(ModelStore.TEMP_PREFIX) && name.contains(".tmp");
                boolean stale = !restored && name.matches("v\\d{4,}");
                if (orphan || stale) {
                    FileUtils.deleteFileOrDirectory(p.toFile());
                    removed.add(name);
                }
            }
        }
        if (!removed.isEmpty()) {
            LOG.warn(
                    "removed {} left in {} by an earlier execution that died before committing"
                            + " them: {}",
                    removed.size() == 1 ? "1 folder" : removed.size() + " folders",
                    staging,
                    removed);
        }
    }

    static final class FolderCommitter implements Committer<Staged> {
        private final int keepVersions;

        FolderCommitter(int keepVersions) {
            this.keepVersions = keepVersions;
        }

        @Override
        public void commit(Collection<CommitRequest<Staged>> requests) throws IOException {
            for (CommitRequest<Staged> r : requests) {
                Staged s = r.getCommittable();
                Path staged = Path.of(s.staged());
                Path target = Path.of(s.target());
                if (Files.exists(target)) {
                    alreadyCommitted(s, staged, target);
                    if (Files.exists(staged)) {
                        FileUtils.deleteDirectory(staged.toFile());
                    }
                    r.signalAlreadyCommitted();
                    continue;
                }
                if (!Files.exists(staged)) {
                    r.signalFailedWithKnownReason(
                            new IOException(
                                    "staged model version "
                                            + staged
                                            + " is gone and "
                                            + target
                                            + " does not exist: was the output folder cleaned?"));
                    continue;
                }
                ModelStore.moveDurably(staged, target);
                LOG.debug("committed model version {}", target);
                prune(target.getParent());
            }
        }

        /**
         * Returns if {@code target} is the version to commit (committed before a failover and
         * staged again, or committed before its checkpoint's notification was lost); fails the job
         * otherwise, keeping the staged version.
         */
        private static void alreadyCommitted(Staged s, Path staged, Path target)
                throws IOException {
            Identity mine = new Identity(s.incarnation(), s.modelHash());
            if (s.incarnation() == null) { // format 1 names no identity: the staged folder's own
                if (!Files.exists(staged)) {
                    return; // moved there by this very committable before
                }
                mine = Identity.of(staged);
            }
            Identity there = Identity.of(target);
            if (mine.equals(there)) {
                return;
            }
            throw new SuppressRestartsException(
                    new IllegalStateException(
                            "model folder "
                                    + target
                                    + " already holds another version than the one to commit"
                                    + " (there: "
                                    + there
                                    + "; to commit: "
                                    + mine
                                    + ", kept in "
                                    + staged
                                    + "): move "
                                    + target
                                    + " away and resume the job (--resume), or use a new"
                                    + " output.dir"));
        }

        /** Deletes all but the newest {@code keepVersions} versions of a run. */
        private void prune(Path runDir) throws IOException {
            if (keepVersions <= 0) {
                return;
            }
            List<Path> versions = ModelStore.versions(runDir);
            for (int i = 0; i < versions.size() - keepVersions; i++) {
                FileUtils.deleteDirectory(versions.get(i).toFile());
            }
        }

        @Override
        public void close() {}
    }

    /** What a version is: the run incarnation that published it and its model's content hash. */
    record Identity(String incarnation, String modelHash) {
        /** Of a saved version; incarnation "" where its report names none. */
        static Identity of(Path dir) {
            try {
                PruningReport report = ModelStore.readReport(dir);
                return new Identity(
                        Objects.requireNonNullElse(report.incarnation(), ""),
                        ModelStore.modelHash(dir));
            } catch (IOException | UncheckedIOException e) {
                return new Identity("?", "unreadable (" + e.getMessage() + ")");
            }
        }

        @Override
        public String toString() {
            String hash = modelHash.length() == 64 ? modelHash.substring(0, 16) + "…" : modelHash;
            return "incarnation "
                    + (incarnation.isEmpty() ? "unknown" : incarnation)
                    + ", model sha256 "
                    + hash;
        }
    }

    /**
     * Version 2: the staged path, the target path, whether an identity follows, then the
     * incarnation and the model hash (a committable read from version 1, the paths alone, has none
     * and may be written again before it commits).
     */
    static final class StagedSerializer implements SimpleVersionedSerializer<Staged> {
        @Override
        public int getVersion() {
            return 2;
        }

        @Override
        public byte[] serialize(Staged s) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(s.staged());
                out.writeUTF(s.target());
                out.writeBoolean(s.incarnation() != null);
                if (s.incarnation() != null) {
                    out.writeUTF(s.incarnation());
                    out.writeUTF(s.modelHash());
                }
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        @Override
        public Staged deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1 && version != 2) {
                throw new IOException(
                        "staged model version has format "
                                + version
                                + ", this build reads 1 and 2");
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                String staged = in.readUTF();
                String target = in.readUTF();
                return version == 2 && in.readBoolean()
                        ? new Staged(staged, target, in.readUTF(), in.readUTF())
                        : new Staged(staged, target, null, null);
            }
        }
    }
}
