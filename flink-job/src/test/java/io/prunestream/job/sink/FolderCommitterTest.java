package io.prunestream.job.sink;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.Network;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.PruningRun;
import io.prunestream.core.run.Publication;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.run.RunState;
import io.prunestream.core.store.ModelStore;
import io.prunestream.job.config.JobConfig;
import io.prunestream.job.sink.ModelFolderSink.Staged;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.apache.flink.api.connector.sink2.Committer;
import org.apache.flink.runtime.execution.SuppressRestartsException;
import org.deeplearning4j.nn.conf.NeuralNetConfiguration;
import org.deeplearning4j.nn.conf.inputs.InputType;
import org.deeplearning4j.nn.conf.layers.ConvolutionLayer;
import org.deeplearning4j.nn.conf.layers.LocalResponseNormalization;
import org.deeplearning4j.nn.conf.layers.OutputLayer;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.activations.Activation;
import org.nd4j.linalg.dataset.DataSet;

/**
 * The committer's rule for a target folder that exists: already committed only when it holds the
 * same version (the same run incarnation and model content); otherwise the commit fails the job,
 * without restarts, with one line, and the staged version stays. Versions are made by real runs and
 * staged by the sink's writer.
 */
class FolderCommitterTest {
    @TempDir Path out;

    private final RunSettings settings =
            JobConfig.runs(JobConfig.fromYaml("prune.runs: r50\nprune.batch-size: 4")).get(0);

    @Test
    void anotherIncarnationsFolderFailsTheCommitAndKeepsTheStagedVersion() throws Exception {
        PruningRun first = PruningRun.create(settings, out);
        Path target = commit(publishAfterOneStep(first, 1));
        String before = Files.readString(target.resolve(ModelStore.REPORT_FILE));
        String hashThere = ModelStore.modelHash(target);

        PruningRun fresh = PruningRun.create(settings, out); // a run started again from scratch
        Staged staged = stage(new ModelFolderSink.Writer(false), publishAfterOneStep(fresh, 1));
        assertThat(staged.target()).isEqualTo(target.toString());

        assertThat(failedCommit(staged))
                .isEqualTo(
                        "model folder "
                                + target
                                + " already holds another version than the one to commit (there:"
                                + " incarnation "
                                + first.incarnation()
                                + ", model sha256 "
                                + hashThere.substring(0, 16)
                                + "…; to commit: incarnation "
                                + fresh.incarnation()
                                + ", model sha256 "
                                + staged.modelHash().substring(0, 16)
                                + "…, kept in "
                                + staged.staged()
                                + "): move "
                                + target
                                + " away and resume the job (--resume), or use a new output.dir");
        assertThat(Files.readString(target.resolve(ModelStore.REPORT_FILE))).isEqualTo(before);
        Path kept = Path.of(staged.staged());
        assertThat(ModelStore.readReport(kept).incarnation()).isEqualTo(fresh.incarnation());
        assertThat(ModelStore.modelHash(kept)).isEqualTo(staged.modelHash());
    }

    @Test
    void theSameIncarnationWithOtherContentFailsTheCommitToo() throws Exception {
        PruningRun run = PruningRun.create(settings, out);
        RunState start = run.snapshot();
        Path target = commit(publishAfterOneStep(run, 1));
        // replayed from an earlier state on other data: the same run and number, another model
        PruningRun replay = PruningRun.restore(settings, start, out);
        Staged staged = stage(new ModelFolderSink.Writer(true), publishAfterOneStep(replay, 2));
        assertThat(staged.target()).isEqualTo(target.toString());
        assertThat(staged.incarnation()).isEqualTo(run.incarnation());
        assertThat(staged.modelHash()).isNotEqualTo(ModelStore.modelHash(target));

        assertThat(failedCommit(staged))
                .startsWith("model folder " + target + " already holds another version")
                .contains("(there: incarnation " + run.incarnation() + ", model sha256 ")
                .contains("; to commit: incarnation " + run.incarnation() + ", model sha256 ");
        assertThat(Path.of(staged.staged())).isDirectory();
    }

    @Test
    void theSameVersionStagedAgainCountsAsCommitted() throws Exception {
        PruningRun run = PruningRun.create(settings, out);
        RunState start = run.snapshot();
        Path target = commit(publishAfterOneStep(run, 1));
        String hash = ModelStore.modelHash(target);

        // a failover replays the version from the restored state: the same model, staged again
        PruningRun replay = PruningRun.restore(settings, start, out);
        Staged again = stage(new ModelFolderSink.Writer(true), publishAfterOneStep(replay, 1));
        Request r = new Request(again);
        committer().commit(List.of(r));
        assertThat(r.outcome).isEqualTo("already committed");
        assertThat(Path.of(again.staged())).doesNotExist();
        assertThat(ModelStore.modelHash(target)).isEqualTo(hash);

        // committed before its checkpoint's notification was lost, so committed again
        Request retried = new Request(again);
        committer().commit(List.of(retried));
        assertThat(retried.outcome).isEqualTo("already committed");
    }

    @Test
    void aVersionWithItsOnnxFileCommitsBoth() throws Exception {
        Publication p = publishAfterOneStep(PruningRun.create(settings, out), 1);
        Path target = commit(p);
        assertThat(Files.readAllBytes(target.resolve(ModelStore.ONNX_FILE))).isEqualTo(p.onnx());
        assertThat(ModelStore.sha256(p.onnx())).isEqualTo(p.version().files().onnxSha256());
    }

    @Test
    void aVersionTheExporterCannotWriteCommitsItsZipAlone() throws Exception {
        var model = settings.spec().model();
        PruningRun run = PruningRun.from(settings, withLocalResponseNormalization(model.input()));
        Publication p = publishAfterOneStep(run, 1);
        assertThat(p.onnx()).isNull();
        ModelVersion v = p.version();
        Path target = out.resolve("r50").resolve("v0001");
        Path committed =
                commit(
                        new Publication(
                                new ModelVersion(
                                        v.runId(),
                                        v.version(),
                                        target.toString(),
                                        v.last(),
                                        v.report(),
                                        v.files()),
                                p.model(),
                                p.onnx()));
        try (Stream<Path> files = Files.list(committed)) {
            assertThat(files.map(f -> f.getFileName().toString()))
                    .containsExactlyInAnyOrder(ModelStore.MODEL_FILE, ModelStore.REPORT_FILE);
        }
        assertThat(ModelStore.modelHash(committed)).isEqualTo(v.files().zipSha256());
        assertThat(v.files().onnxError()).startsWith("cannot export layer 'lrn'");
    }

    private static Network withLocalResponseNormalization(InputShape in) {
        MultiLayerNetwork m =
                new MultiLayerNetwork(
                        new NeuralNetConfiguration.Builder()
                                .list()
                                .layer(new ConvolutionLayer.Builder(3, 3).nOut(4).build())
                                .layer(new LocalResponseNormalization.Builder().name("lrn").build())
                                .layer(
                                        new OutputLayer.Builder()
                                                .nOut(10)
                                                .activation(Activation.SOFTMAX)
                                                .build())
                                .setInputType(
                                        InputType.convolutional(
                                                in.height(), in.width(), in.channels()))
                                .build());
        m.init();
        return Network.of(m, in);
    }

    @Test
    void committablesOfFormatOneAreStillRead() throws IOException {
        ModelFolderSink.StagedSerializer serializer = new ModelFolderSink.StagedSerializer();
        Staged s = new Staged("/o/r50/.staging/v0001", "/o/r50/v0001", "inc", "abc");
        assertThat(serializer.getVersion()).isEqualTo(2);
        assertThat(serializer.deserialize(2, serializer.serialize(s))).isEqualTo(s);

        ByteArrayOutputStream v1 = new ByteArrayOutputStream();
        try (DataOutputStream d = new DataOutputStream(v1)) {
            d.writeUTF(s.staged());
            d.writeUTF(s.target());
        }
        Staged old = serializer.deserialize(1, v1.toByteArray());
        assertThat(old).isEqualTo(new Staged(s.staged(), s.target(), null, null));
        // checkpointed again by this build before it commits
        assertThat(serializer.deserialize(2, serializer.serialize(old))).isEqualTo(old);
    }

    /** The one line the failed commit gives; fails the test if the commit went through. */
    private static String failedCommit(Staged staged) throws IOException {
        try {
            committer().commit(List.of(new Request(staged)));
        } catch (SuppressRestartsException e) {
            assertThat(e.getCause()).isInstanceOf(IllegalStateException.class);
            return e.getCause().getMessage();
        }
        throw new AssertionError("the commit of " + staged + " went through");
    }

    private static ModelFolderSink.FolderCommitter committer() {
        return new ModelFolderSink.FolderCommitter(0);
    }

    /** One step on a random batch (seeded), then the run's next version. */
    private Publication publishAfterOneStep(PruningRun run, long seed) {
        var model = settings.spec().model();
        int n = settings.spec().batchSize();
        Random random = new Random(seed);
        float[] x = new float[n * model.input().size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = random.nextFloat();
        }
        int[] y = random.ints(n, 0, model.classes()).toArray();
        DataSet batch = PruningRun.toDataSet(x, y, n, model.input(), model.classes());
        run.step(batch, null);
        return run.publish(null, false);
    }

    private static Staged stage(ModelFolderSink.Writer w, Publication p) throws IOException {
        w.write(p, null);
        return w.prepareCommit().iterator().next();
    }

    /** Stages and commits {@code p} as a fresh job would; returns the committed folder. */
    private static Path commit(Publication p) throws Exception {
        Request r = new Request(stage(new ModelFolderSink.Writer(false), p));
        committer().commit(List.of(r));
        assertThat(r.outcome).isEqualTo("committed");
        assertThat(Path.of(r.staged.staged())).doesNotExist();
        return Path.of(r.staged.target());
    }

    /** A commit request as Flink's committer operator hands it over, recording the outcome. */
    private static final class Request implements Committer.CommitRequest<Staged> {
        final Staged staged;
        String outcome = "committed";

        Request(Staged staged) {
            this.staged = staged;
        }

        @Override
        public Staged getCommittable() {
            return staged;
        }

        @Override
        public int getNumberOfRetries() {
            return 0;
        }

        @Override
        public void signalFailedWithKnownReason(Throwable t) {
            outcome = "failed: " + t.getMessage();
        }

        @Override
        public void signalFailedWithUnknownReason(Throwable t) {
            outcome = "failed: " + t.getMessage();
        }

        @Override
        public void retryLater() {
            outcome = "retry";
        }

        @Override
        public void updateAndRetryLater(Staged committable) {
            outcome = "retry";
        }

        @Override
        public void signalAlreadyCommitted() {
            outcome = "already committed";
        }
    }
}
