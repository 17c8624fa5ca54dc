package io.prunestream.monitoring;

import java.util.List;

/**
 * Every meter this module registers, in one place: the binders register from these constants, the
 * README's metric table and the dashboard/alert checks are tested against them.
 *
 * <p>Names follow Micrometer's conventions (lowercase, dot separated, base units, no {@code
 * total}); the Prometheus registry turns {@code prunestream.train.iterations} into {@code
 * prunestream_train_iterations_total} and a timer into {@code _seconds_count/_sum/_max}.
 */
public enum PrunestreamMetric {
    TRAIN_ITERATIONS(
            "prunestream.train.iterations",
            MetricKind.COUNTER,
            "steps",
            List.of("run"),
            "Training steps done by this process (resets on restart; use rate/increase)."),
    TRAIN_ITERATION(
            "prunestream.train.iteration",
            MetricKind.GAUGE,
            "",
            List.of("run"),
            "Iteration of the latest step (restored from the checkpoint: progress of the run)."),
    TRAIN_SAMPLES(
            "prunestream.train.samples",
            MetricKind.COUNTER,
            "samples",
            List.of("run"),
            "Training samples consumed; rate() is the throughput in samples/s."),
    TRAIN_LOSS(
            "prunestream.train.loss",
            MetricKind.GAUGE,
            "",
            List.of("run"),
            "Loss of the latest mini-batch. NaN/Inf are exported as they are, for the alert."),
    TRAIN_LEARNING_RATE(
            "prunestream.train.learning.rate",
            MetricKind.GAUGE,
            "",
            List.of("run"),
            "Learning rate used by the latest step."),
    EVAL_ACCURACY(
            "prunestream.eval.accuracy",
            MetricKind.GAUGE,
            "ratio",
            List.of("run"),
            "Held-out top-1 accuracy (0..1) at the latest evaluation; absent until evaluated."),
    EVAL_PREQUENTIAL_ACCURACY(
            "prunestream.eval.prequential.accuracy",
            MetricKind.GAUGE,
            "ratio",
            List.of("run"),
            "Prequential (test-then-train) top-1 accuracy (0..1): each scored mini-batch"
                    + " predicted by the model before its step trained on it, over the newest"
                    + " eval.window scored samples; absent until a batch is scored."),
    TRAIN_PHASE(
            "prunestream.train.phase",
            MetricKind.GAUGE,
            "",
            List.of("run", "phase"),
            "1 for the run's current phase, 0 for the others (one series per phase)."),
    TRAIN_PHASE_INDEX(
            "prunestream.train.phase.index",
            MetricKind.GAUGE,
            "",
            List.of("run"),
            "Ordinal of the current phase: 0 TRAIN, 1 REGULARIZE, 2 PICK, 3 STABILIZE, 4 PRUNE,"
                    + " 5 FINETUNE."),
    PENALTY_LAMBDA(
            "prunestream.penalty.lambda",
            MetricKind.GAUGE,
            "",
            List.of("run", "layer", "group"),
            "Penalty factor λ on the layer's pruned or kept groups (group=pruned|kept)."),
    PRUNE_MAGNITUDE_RATIO(
            "prunestream.prune.magnitude.ratio",
            MetricKind.GAUGE,
            "",
            List.of("run", "layer"),
            "Mean |w| of kept groups / mean |w| of pruned groups; GReg aims at ~1000. Only"
                    + " finite values: the series ends when the layer is physically pruned."),
    LAYER_WIDTH(
            "prunestream.layer.width",
            MetricKind.GAUGE,
            "",
            List.of("run", "layer"),
            "Current output channels of the layer."),
    LAYER_SPARSITY(
            "prunestream.layer.sparsity",
            MetricKind.GAUGE,
            "ratio",
            List.of("run", "layer"),
            "Fraction of the layer's weights that are exactly zero."),
    MODEL_PARAMS(
            "prunestream.model.params",
            MetricKind.GAUGE,
            "",
            List.of("run"),
            "Parameters of the current network: conv and linear weights and biases (BatchNorm not"
                    + " counted, as the paper's authors count)."),
    MODEL_FLOPS(
            "prunestream.model.flops",
            MetricKind.GAUGE,
            "",
            List.of("run"),
            "FLOPs per sample of the current network: multiplies + adds of conv and linear layers"
                    + " (2 x multiply-accumulates, as the paper's authors count)."),
    TRAIN_STEP(
            "prunestream.train.step",
            MetricKind.TIMER,
            "seconds",
            List.of("run"),
            "Wall time of a training step (forward, backward, penalty, update)."),
    CYCLE(
            "prunestream.cycle",
            MetricKind.GAUGE,
            "",
            List.of("run"),
            "A continuous run's pruning cycles started so far (the current one's number while"
                    + " it runs)."),
    CYCLE_ROLLBACKS(
            "prunestream.cycle.rollbacks",
            MetricKind.COUNTER,
            "cycles",
            List.of("run"),
            "Cycles of a continuous run that broke the accuracy budget and were rolled back to"
                    + " the network from before them."),
    BUDGET_FLOOR(
            "prunestream.budget.floor",
            MetricKind.GAUGE,
            "ratio",
            List.of("run"),
            "A continuous run's reference accuracy minus its budget: no version is published"
                    + " below it; absent until the reference is measured."),
    DRIFT(
            "prunestream.drift",
            MetricKind.GAUGE,
            "",
            List.of("run"),
            "1 while a continuous run's cycles are paused because its accuracy fell more than"
                    + " the budget below its level at the last published version outside a"
                    + " cycle (alert PrunestreamDrift), else 0."),
    DRIFT_EVENTS(
            "prunestream.drift.events",
            MetricKind.COUNTER,
            "events",
            List.of("run"),
            "Times a continuous run noticed drift."),
    INGEST_ACCEPTED(
            "prunestream.ingest.accepted",
            MetricKind.COUNTER,
            "samples",
            List.of(),
            "Samples decoded and validated from the input topic."),
    INGEST_ACCEPTED_RECORDS(
            "prunestream.ingest.accepted.records",
            MetricKind.COUNTER,
            "records",
            List.of(),
            "Records decoded and validated from the input topic; with"
                    + " prunestream.ingest.rejected, the reject rate in records."),
    INGEST_REJECTED(
            "prunestream.ingest.rejected",
            MetricKind.COUNTER,
            "records",
            List.of("reason"),
            "Records sent to the dead-letter topic, by reason (at most 32 reasons, then"
                    + " reason=other); every known reason is there at 0 from the start."),
    GUARD_ROLLBACKS(
            "prunestream.guard.rollbacks",
            MetricKind.COUNTER,
            "steps",
            List.of("run", "reason"),
            "Training steps rolled back by the numeric guard (non-finite loss, parameters or"
                    + " updater state, or NaN/Inf caught by ND4J's checks); the batch is skipped."),
    GUARD_RESPONSES(
            "prunestream.guard.responses",
            MetricKind.COUNTER,
            "responses",
            List.of("run", "action"),
            "Times a run answered a series of non-finite steps: action=lower-lr or pause."),
    GUARD_SKIPPED(
            "prunestream.guard.skipped",
            MetricKind.COUNTER,
            "batches",
            List.of("run", "reason"),
            "Mini-batches a run did not train on without a rollback, by reason (run-paused: the"
                    + " guard has paused the run); each also goes to the dead-letter topic."),
    GUARD_PAUSED(
            "prunestream.guard.paused",
            MetricKind.GAUGE,
            "",
            List.of("run"),
            "1 while the numeric guard has paused the run (it skips its batches), else 0."),
    MODEL_VERSIONS(
            "prunestream.model.versions",
            MetricKind.COUNTER,
            "versions",
            List.of("run"),
            "Model versions published by this process."),
    MODEL_EXPORT_FAILURES(
            "prunestream.model.export.failures",
            MetricKind.COUNTER,
            "versions",
            List.of("run"),
            "Model versions published without model.onnx because the ONNX export failed (a layer"
                    + " the exporter cannot write; an ERROR line and the announcement's"
                    + " files.onnxError name it); their model.zip is committed as usual. 0 from a"
                    + " run's first version on."),
    KAFKA_TRANSACTIONS_LOST(
            "prunestream.kafka.transactions.lost",
            MetricKind.COUNTER,
            "transactions",
            List.of("sink"),
            "Kafka transactions of the dead-letter or model topic (sink=dead-letter-topic|"
                    + "model-topic) that could not be committed: the broker aborted them, most"
                    + " likely after transaction.timeout.ms; the records in them are lost."),
    METRICS_FAILURES(
            "prunestream.metrics.failures",
            MetricKind.COUNTER,
            "errors",
            List.of("reason"),
            "Exceptions swallowed by a metrics binder (reason=binder method); also logged.");

    private final String meterName;
    private final MetricKind kind;
    private final String unit;
    private final List<String> tags;
    private final String description;

    PrunestreamMetric(
            String meterName, MetricKind kind, String unit, List<String> tags, String description) {
        this.meterName = meterName;
        this.kind = kind;
        this.unit = unit;
        this.tags = tags;
        this.description = description;
    }

    /** The Micrometer name, e.g. {@code prunestream.train.loss}. */
    public String meterName() {
        return meterName;
    }

    public MetricKind kind() {
        return kind;
    }

    /**
     * What one unit is, for the docs. Only the timer's {@code seconds} is a Micrometer base unit
     * (and so part of the Prometheus name); counts keep their unit out of the name.
     */
    public String unit() {
        return unit;
    }

    /** Tag keys, in the order the README lists them. */
    public List<String> tags() {
        return tags;
    }

    public String description() {
        return description;
    }

    /** The series names Prometheus stores for this meter. */
    public List<String> prometheusNames() {
        String base = meterName.replace('.', '_');
        return switch (kind) {
            case COUNTER -> List.of(base + "_total");
            case GAUGE -> List.of(base);
            case TIMER ->
                    List.of(base + "_seconds_count", base + "_seconds_sum", base + "_seconds_max");
        };
    }
}
