package io.prunestream.core.run;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.prunestream.core.state.Codec;
import io.prunestream.core.store.ModelFiles;
import io.prunestream.core.store.ModelStore;
import io.prunestream.core.store.PruningReport;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.Map;

/**
 * A published model: an immutable, numbered folder holding the network and its report. Everything
 * but the numbering and the place derives from the report.
 *
 * @param runId the run
 * @param version the version number, from 1
 * @param path the folder (absolute), or null where the driver stores nothing
 * @param last whether it is the run's final version (the end of a bounded stream)
 * @param report what the model is
 * @param files the folder's model files and their SHA-256 ({@code model.zip}, {@code model.onnx} or
 *     why it is missing); null where a driver made no files
 */
public record ModelVersion(
        String runId,
        int version,
        String path,
        boolean last,
        PruningReport report,
        ModelFiles files) {

    /** A version without files. */
    public ModelVersion(
            String runId, int version, String path, boolean last, PruningReport report) {
        this(runId, version, path, last, report, null);
    }

    /**
     * Binary layout, version 2: run, number, path (or none), last, the report as JSON, then the
     * files as JSON (a blob, -1 for none). Version 1 ended after the report.
     */
    public static final Codec<ModelVersion> CODEC =
            Codec.of("model version", 2, 1, ModelVersion::write, ModelVersion::read);

    /**
     * The run incarnation that published it (see {@link PruningReport#incarnation()}), also at the
     * top of the announcement's JSON: a run's versions are told apart by run, incarnation and
     * number.
     */
    @JsonProperty("incarnation")
    public String incarnation() {
        return report.incarnation();
    }

    /**
     * A continuous run's lineage of this version (cycle, FLOPs, params, accuracy at publication,
     * reference and budget, the cycle it was rolled back from), also at the top of the
     * announcement's JSON; null for a run that prunes once. It travels inside the report's JSON, so
     * the binary layouts of this record and of {@link Publication} are unchanged.
     */
    @JsonProperty("lineage")
    public PruningReport.Lineage lineage() {
        return report.lineage();
    }

    /** The iteration of the last step the model has seen (the report counts steps done). */
    public long iteration() {
        return report.iteration() - 1;
    }

    public String phase() {
        return report.phase();
    }

    public long params() {
        return report.params();
    }

    public long flops() {
        return report.flops();
    }

    public long baseParams() {
        return report.baseParams();
    }

    public long baseFlops() {
        return report.baseFlops();
    }

    public Map<String, Long> widths() {
        return report.widths();
    }

    public Map<String, Long> baseWidths() {
        return report.baseWidths();
    }

    public double flopsSpeedup() {
        return report.flopsSpeedup();
    }

    public double magnitudeRatioAtPrune() {
        return report.magnitudeRatioAtPrune();
    }

    /** Held-out accuracy at publication, NaN if not evaluated. */
    public double accuracy() {
        return nanIfNull(report.accuracy());
    }

    /** Last held-out accuracy before pruning, NaN if none. */
    public double accuracyBeforePrune() {
        return nanIfNull(report.accuracyBeforePrune());
    }

    /** Last held-out accuracy during TRAIN (the unpruned, unpenalised model), NaN if none. */
    public double baseAccuracy() {
        return nanIfNull(report.baseAccuracy());
    }

    private static double nanIfNull(Double d) {
        return d == null ? Double.NaN : d;
    }

    private static void write(ModelVersion v, DataOutput out) throws IOException {
        out.writeUTF(v.runId);
        out.writeInt(v.version);
        out.writeBoolean(v.path != null);
        if (v.path != null) {
            out.writeUTF(v.path);
        }
        out.writeBoolean(v.last);
        Codec.writeBlob(out, ModelStore.toJson(v.report));
        Codec.writeBlob(out, v.files == null ? null : ModelStore.toJson(v.files));
    }

    private static ModelVersion read(DataInput in, int version) throws IOException {
        String run = in.readUTF();
        int number = in.readInt();
        String path = in.readBoolean() ? in.readUTF() : null;
        boolean last = in.readBoolean();
        PruningReport report = ModelStore.fromJson(Codec.readBlob(in), PruningReport.class);
        byte[] files = version >= 2 ? Codec.readBlob(in) : null;
        return new ModelVersion(
                run,
                number,
                path,
                last,
                report,
                files == null ? null : ModelStore.fromJson(files, ModelFiles.class));
    }
}
