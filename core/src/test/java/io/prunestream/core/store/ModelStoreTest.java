package io.prunestream.core.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.penalty.NormPenalty;
import io.prunestream.core.prune.ImportanceCriterion;
import io.prunestream.core.prune.LayerRatios;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.PruningMethod;
import io.prunestream.core.schedule.ScheduleParams;
import io.prunestream.core.train.LrSchedule;
import io.prunestream.core.train.PruningTrainer;
import io.prunestream.core.train.RunSpec;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A saved model folder: complete when it appears (renamed into place whole, nothing left beside
 * it), never overwritten, and identified by a content hash that the zip's timestamps do not move.
 * (That the files and the rename are forced to disk cannot be observed without a power cut.)
 */
class ModelStoreTest {
    @TempDir Path tmp;

    private static final RunSpec SPEC =
            new RunSpec(
                    "r",
                    ModelSpec.smallCnn(new InputShape(1, 12, 12), 4, 3),
                    OptimizerSpec.sgd(0.05, 5e-4),
                    PruningMethod.GREG1.schedule(
                            new ScheduleParams(2, 1, 0.2, 1.0, 2, 0.05, 0.1, -1e-4, 1)),
                    Granularity.FILTER,
                    LayerRatios.uniform(0.5),
                    ImportanceCriterion.L1,
                    LrSchedule.constant(0.05),
                    0.02,
                    LrSchedule.constant(0.01),
                    8,
                    NormPenalty.PRUNED);

    @Test
    void aSavedFolderIsCompleteAndNothingIsLeftBesideIt() throws IOException {
        PruningTrainer t = PruningTrainer.create(SPEC);
        byte[] model = t.network().toBytes(false);
        PruningReport report =
                PruningReport.of(t, "inc-1", 1, "TRAIN", PruningReport.Accuracies.NONE);
        Path dir = tmp.resolve("r").resolve("v0001");

        ModelStore.save(dir, model, report);

        try (Stream<Path> beside = Files.list(dir.getParent())) {
            assertThat(beside).containsExactly(dir);
        }
        try (Stream<Path> inside = Files.list(dir)) {
            assertThat(inside.map(p -> p.getFileName().toString()))
                    .containsExactlyInAnyOrder(ModelStore.MODEL_FILE, ModelStore.REPORT_FILE);
        }
        assertThat(Files.readAllBytes(dir.resolve(ModelStore.MODEL_FILE))).isEqualTo(model);
        assertThat(ModelStore.readReport(dir))
                .extracting(
                        PruningReport::runId, PruningReport::incarnation, PruningReport::version)
                .containsExactly("r", "inc-1", 1);
        assertThat(ModelStore.load(dir).network().params()).isEqualTo(t.network().params());
        assertThat(ModelStore.modelHash(dir)).isEqualTo(ModelStore.modelHash(model));

        assertThatThrownBy(() -> ModelStore.save(dir, new byte[] {1}, report))
                .hasMessageContaining("versions are never overwritten");
        assertThat(Files.readAllBytes(dir.resolve(ModelStore.MODEL_FILE))).isEqualTo(model);
    }

    @Test
    void theModelHashIsTheContentNotTheZipsTimestamps() throws IOException {
        byte[] early = zip(0L, "coefficients.bin", new byte[] {1, 2, 3});
        byte[] late = zip(1_700_000_000_000L, "coefficients.bin", new byte[] {1, 2, 3});
        assertThat(early).isNotEqualTo(late);
        assertThat(ModelStore.modelHash(early)).isEqualTo(ModelStore.modelHash(late)).hasSize(64);
        assertThat(ModelStore.modelHash(zip(0L, "coefficients.bin", new byte[] {1, 2, 4})))
                .isNotEqualTo(ModelStore.modelHash(early));
        assertThat(ModelStore.modelHash(zip(0L, "other.bin", new byte[] {1, 2, 3})))
                .isNotEqualTo(ModelStore.modelHash(early));
    }

    private static byte[] zip(long time, String name, byte[] content) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            ZipEntry e = new ZipEntry(name);
            e.setTime(time);
            z.putNextEntry(e);
            z.write(content);
            z.closeEntry();
        }
        return bytes.toByteArray();
    }
}
