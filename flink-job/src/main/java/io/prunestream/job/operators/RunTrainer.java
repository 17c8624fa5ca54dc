package io.prunestream.job.operators;

import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.schedule.ScheduleState;
import io.prunestream.core.store.ModelStore;
import io.prunestream.core.store.PruningReport;
import io.prunestream.core.train.HeldOutSet;
import io.prunestream.core.train.LayerStats;
import io.prunestream.core.train.PruningTrainer;
import io.prunestream.core.train.StepResult;
import io.prunestream.core.train.TrainingEvent;
import io.prunestream.job.config.RunSettings;
import io.prunestream.job.model.ModelVersion;
import io.prunestream.job.model.Samples;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One run inside the trainer operator: the core trainer plus the stream's bookkeeping - when to
 * evaluate, compute layer statistics and publish a model version - and the run's state as one
 * versioned blob.
 */
final class RunTrainer {
    private static final Logger LOG = LoggerFactory.getLogger(RunTrainer.class);
    static final byte STATE_VERSION = 1;

    private final RunSettings settings;
    private final PruningTrainer trainer;
    private int nextVersion;
    private double lastAccuracy;
    private double accuracyBeforePrune;
    private double baseAccuracy = Double.NaN; // last evaluation while still in TRAIN
    private long publishedIteration = -1;
    private NetworkCost cost; // changes only at pruning; a graph walk per step would cost too much

    private RunTrainer(
            RunSettings settings,
            PruningTrainer trainer,
            int nextVersion,
            double last,
            double before) {
        this.settings = settings;
        this.trainer = trainer;
        this.nextVersion = nextVersion;
        this.lastAccuracy = last;
        this.accuracyBeforePrune = before;
    }

    static RunTrainer create(RunSettings settings) {
        return new RunTrainer(
                settings, PruningTrainer.create(settings.spec()), 1, Double.NaN, Double.NaN);
    }

    PruningTrainer trainer() {
        return trainer;
    }

    /** One step; returns the event, and hands any published version to {@code versions}. */
    TrainingEvent step(
            Samples batch,
            ScheduleState s,
            HeldOutSet eval,
            Path outputDir,
            Consumer<ModelVersion> versions) {
        StepResult r =
                trainer.step(
                        toDataSet(
                                batch,
                                settings.spec().model().input(),
                                settings.spec().model().classes()),
                        s);
        long done = r.iteration() + 1;
        Double accuracy = null;
        if (eval != null && settings.evalInterval() > 0 && done % settings.evalInterval() == 0) {
            accuracy = evaluate(eval);
            if (r.phase() == Phase.TRAIN) {
                baseAccuracy = accuracy;
            }
        }
        List<LayerStats> layers = List.of();
        if (done % settings.statsInterval() == 0 || r.pruned() || r.picked()) {
            layers = new ArrayList<>(trainer.layerStats().values());
        }
        if (trainer.isPruned()) {
            long since = r.iteration() - trainer.prunedAt();
            if (since == 0
                    || (settings.publishInterval() > 0
                            && since % settings.publishInterval() == 0)) {
                versions.accept(publish(eval, outputDir, false));
            }
        }
        if (cost == null || r.pruned()) {
            cost = NetworkCost.of(trainer.network());
        }
        return new TrainingEvent(
                settings.id(),
                settings.spec().schedule().method().id(),
                r.iteration(),
                r.phase(),
                r.loss(),
                r.learningRate(),
                r.lambdaPruned(),
                r.lambdaKept(),
                r.samples(),
                r.nanos(),
                cost.params(),
                cost.flops(),
                layers,
                accuracy,
                System.currentTimeMillis());
    }

    private double evaluate(HeldOutSet eval) {
        lastAccuracy = eval.accuracy(trainer.network(), 500);
        if (!trainer.isPruned()) {
            accuracyBeforePrune = lastAccuracy;
        }
        return lastAccuracy;
    }

    /**
     * Writes the next numbered version. A folder that already exists was written before a restore
     * replayed the same iterations: it is kept, not overwritten.
     */
    ModelVersion publish(HeldOutSet eval, Path outputDir, boolean last) {
        boolean again = publishedIteration == trainer.iteration() - 1;
        if (eval != null && !again) {
            evaluate(eval);
        }
        // the end of a stream right after a periodic version: that version is the last one
        int v = again ? nextVersion - 1 : nextVersion++;
        publishedIteration = trainer.iteration() - 1;
        Path dir = outputDir.resolve(settings.id()).resolve(String.format("v%04d", v));
        String phase = trainer.isPruned() ? "FINETUNE" : "TRAIN";
        PruningReport report =
                PruningReport.of(
                        trainer, v, phase, Double.isNaN(lastAccuracy) ? null : lastAccuracy);
        if (again) {
            LOG.debug("run '{}' ends right after version {}", settings.id(), v);
        } else if (Files.exists(dir)) {
            LOG.info(
                    "run '{}' version {} exists already (replayed after restore): kept",
                    settings.id(),
                    v);
        } else {
            ModelStore.save(dir, trainer.network(), report);
        }
        ModelVersion mv = new ModelVersion();
        mv.runId = settings.id();
        mv.version = v;
        mv.iteration = trainer.iteration() - 1;
        mv.phase = phase;
        mv.path = dir.toAbsolutePath().toString();
        mv.params = report.params();
        mv.flops = report.flops();
        mv.baseParams = report.baseParams();
        mv.baseFlops = report.baseFlops();
        mv.widths.putAll(report.widths());
        mv.baseWidths.putAll(report.baseWidths());
        mv.accuracy = lastAccuracy;
        mv.accuracyBeforePrune = accuracyBeforePrune;
        mv.baseAccuracy = baseAccuracy;
        mv.magnitudeRatioAtPrune = trainer.magnitudeRatioAtPrune();
        mv.last = last;
        mv.timestampMillis = System.currentTimeMillis();
        return mv;
    }

    static DataSet toDataSet(Samples b, InputShape shape, int classes) {
        if (b.sampleSize() != shape.size()) {
            throw new IllegalStateException(
                    "batch of run '"
                            + b.runId
                            + "' has samples of "
                            + b.sampleSize()
                            + " values, the model expects "
                            + shape);
        }
        float[] y = new float[b.count * classes];
        for (int i = 0; i < b.count; i++) {
            y[i * classes + b.labels[i]] = 1f;
        }
        return new DataSet(
                Nd4j.create(b.features, shape.batchShape(b.count), 'c'),
                Nd4j.create(y, new long[] {b.count, classes}, 'c'));
    }

    byte[] snapshot() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeByte(STATE_VERSION);
            out.writeInt(nextVersion);
            out.writeDouble(lastAccuracy);
            out.writeDouble(accuracyBeforePrune);
            out.writeDouble(baseAccuracy);
            out.writeLong(publishedIteration);
            byte[] t = trainer.snapshot();
            out.writeInt(t.length);
            out.write(t);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return bytes.toByteArray();
    }

    static RunTrainer restore(RunSettings settings, byte[] blob) {
        try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(blob))) {
            byte v = in.readByte();
            if (v != STATE_VERSION) {
                throw new IllegalStateException(
                        "run '"
                                + settings.id()
                                + "': trainer state version "
                                + v
                                + ", this build reads "
                                + STATE_VERSION
                                + "; restore with the build that wrote the checkpoint");
            }
            int next = in.readInt();
            double last = in.readDouble();
            double before = in.readDouble();
            double base = in.readDouble();
            long published = in.readLong();
            byte[] t = new byte[in.readInt()];
            in.readFully(t);
            RunTrainer r =
                    new RunTrainer(
                            settings,
                            PruningTrainer.restore(settings.spec(), t),
                            next,
                            last,
                            before);
            r.baseAccuracy = base;
            r.publishedIteration = published;
            return r;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
