package io.prunestream.job.sink;

import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.Publication;
import io.prunestream.core.store.ModelStore;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.api.connector.sink2.CommitterInitContext;
import org.apache.flink.api.connector.sink2.CommittingSinkWriter;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.sink2.SinkWriter;
import org.apache.flink.api.connector.sink2.SupportsCommitter;
import org.apache.flink.api.connector.sink2.WriterInitContext;
import org.apache.flink.core.io.SimpleVersionedSerializer;
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
 */
public final class ModelFolderSink
        implements Sink<Publication>, SupportsCommitter<ModelFolderSink.Staged> {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ModelFolderSink.class);
    static final String STAGING = ".staging";

    private final int keepVersions;

    public ModelFolderSink(int keepVersions) {
        this.keepVersions = keepVersions;
    }

    /** A staged folder and where it goes when committed. */
    public record Staged(String staged, String target) {}

    @Override
    public SinkWriter<Publication> createWriter(WriterInitContext context) {
        return new Writer();
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
        private final List<Staged> pending = new ArrayList<>();

        @Override
        public void write(Publication p, Context context) throws IOException {
            ModelVersion v = p.version();
            Path target = Path.of(v.path());
            Path staged = stagingOf(target);
            if (Files.exists(staged)) {
                FileUtils.deleteDirectory(staged.toFile()); // a replay stages it again
            }
            ModelStore.save(staged, p.model(), v.report());
            pending.add(new Staged(staged.toString(), target.toString()));
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

    static final class FolderCommitter implements Committer<Staged> {
        private final int keepVersions;

        FolderCommitter(int keepVersions) {
            this.keepVersions = keepVersions;
        }

        @Override
        public void commit(Collection<CommitRequest<Staged>> requests) throws IOException {
            for (CommitRequest<Staged> r : requests) {
                Path staged = Path.of(r.getCommittable().staged());
                Path target = Path.of(r.getCommittable().target());
                if (Files.exists(target)) {
                    // committed before a failover; the same version staged again
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
                try {
                    Files.move(staged, target, StandardCopyOption.ATOMIC_MOVE);
                } catch (AtomicMoveNotSupportedException e) {
                    Files.move(staged, target);
                }
                LOG.debug("committed model version {}", target);
                prune(target.getParent());
            }
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

    /** Version 1: the staged path and the target path. */
    static final class StagedSerializer implements SimpleVersionedSerializer<Staged> {
        @Override
        public int getVersion() {
            return 1;
        }

        @Override
        public byte[] serialize(Staged s) {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            try (DataOutputStream out = new DataOutputStream(bytes)) {
                out.writeUTF(s.staged());
                out.writeUTF(s.target());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }

        @Override
        public Staged deserialize(int version, byte[] serialized) throws IOException {
            if (version != 1) {
                throw new IOException(
                        "staged model version has format " + version + ", this build reads 1");
            }
            try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(serialized))) {
                return new Staged(in.readUTF(), in.readUTF());
            }
        }
    }
}
