package io.prunestream.apps.demo;

import io.prunestream.apps.produce.ProducerProgressBar;
import io.prunestream.connectors.producer.DataShift;
import io.prunestream.connectors.producer.DatasetProducer;
import io.prunestream.connectors.producer.ProducerSettings;
import io.prunestream.core.config.UsageException;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.nn.CpuBackend;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.job.PruneJob;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.LocalKafkaBroker;
import io.prunestream.testing.Topics;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The local default, one command: a real Kafka broker (KRaft, loopback), Fashion-MNIST streamed
 * into it, the pruning job on a Flink mini cluster with three runs side by side (r = 0.5 and r =
 * 0.9, GReg-1 once, and a continuous run pruning in cycles within an accuracy budget), evaluated on
 * samples held out of the stream, progress while it runs, and a report at the end; {@code --drift}
 * turns the images by 90 degrees from the middle of the stream on.
 *
 * <p>Long because the demo is one story told on the console: broker, data, job and report.
 */
@Command(
        name = "demo",
        description = {
            "A local Kafka broker (KRaft) + Flink mini cluster + Fashion-MNIST: two GReg-1 runs"
                    + " (r = 0.5 and r = 0.9) and a continuous one (cycles within a 2-point"
                    + " budget) prune while the data streams, then a report."
        })
public final class Demo implements Callable<Integer> {
    @Option(
            names = "--quick",
            description = "A shorter run (about a minute): one epoch, shorter schedule.")
    boolean quick;

    @Option(
            names = "--drift",
            description =
                    "Turn the images by 90 degrees from 40 %% to 60 %% of the stream: the"
                            + " continuous run notices the drift, pauses its cycles and resumes"
                            + " them once its accuracy is back within budget.")
    boolean drift;

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Output folder (default: runs/demo-<yyyyMMdd-HHmmss>).")
    Path out;

    /**
     * Sizes of the demo: the default (a few minutes) and --quick (about two).
     *
     * @param cycles the continuous run's cycle: its GReg growth, stabilisation and fine-tuning
     * @param holdout share of the stream held out for evaluation
     * @param window held-out samples each run evaluates on (the newest)
     */
    record Plan(
            int epochs,
            long warmup,
            double delta,
            long stabilize,
            long finetune,
            long evalEvery,
            Cycle cycles,
            double holdout,
            int window) {
        static Plan of(boolean quick) {
            return quick
                    ? new Plan(1, 250, 0.01, 150, 300, 50, new Cycle(0.05, 30, 80), 0.05, 1000)
                    : new Plan(
                            3, 1000, 0.005, 200, 1500, 100, new Cycle(0.02, 50, 250), 0.05, 1000);
        }

        /**
         * The step at which the continuous run measures its reference: the end of the warm-up, or
         * later when the held-out window is not full by then.
         */
        long referenceAt(int batch) {
            long fill = (long) Math.ceil(window / holdout / ((1 - holdout) * batch));
            return Math.max(warmup, fill);
        }
    }

    /** The continuous run's cycle: GReg-1 growth per step, stabilisation, fine-tuning. */
    record Cycle(double delta, long stabilize, long finetune) {}

    /** The continuous run's id. */
    static final String CONTINUOUS = "cont";

    @Override
    public Integer call() throws Exception {
        CpuBackend.configure();
        Path out = this.out;
        if (!Datasets.FASHION_MNIST.isInstalled()) {
            System.err.println(
                    "demo: Fashion-MNIST is not installed. Install it with:\n    "
                            + Datasets.FASHION_MNIST.installCommand());
            return 2;
        }
        if (out == null) {
            out =
                    Path.of(
                            "runs",
                            "demo-"
                                    + LocalDateTime.now()
                                            .format(
                                                    DateTimeFormatter.ofPattern(
                                                            "yyyyMMdd-HHmmss")));
        }
        try {
            Files.createDirectories(out);
        } catch (IOException e) {
            throw new UsageException(
                    "--out " + out + ": cannot create the folder (" + e + "): give another folder");
        }
        Plan plan = Plan.of(quick);
        long t0 = System.nanoTime();
        System.out.printf(
                Locale.ROOT,
                "prunestream demo%s: output in %s%n",
                quick ? " (quick)" : "",
                out.toAbsolutePath());
        try (LocalKafkaBroker kafka = LocalKafkaBroker.start(out.resolve("kafka"))) {
            System.out.println("1/4 Kafka broker (KRaft) at " + kafka.bootstrapServers());
            kafka.createTopic("prunestream-samples", 2);
            kafka.createTopic("prunestream-dead-letter", 1);
            kafka.createTopic("prunestream-models", 1);

            Configuration conf = jobConfig(kafka.bootstrapServers(), out, plan);
            long shiftAt = -1;
            // enough samples for the pruned runs to fine-tune `finetune` steps after the prune
            RunSettings r50 = JobConfig.runs(conf).get(0);
            long iterations =
                    r50.spec().schedule().timeline().pruneIteration() + 1 + plan.finetune();
            long samples = iterations * r50.spec().batchSize();
            System.out.printf(
                    Locale.ROOT,
                    "2/4 streaming %d Fashion-MNIST samples into 'prunestream-samples'%n",
                    samples);
            LabelledImages train = Datasets.FASHION_MNIST.load(Datasets.Split.TRAIN);
            long shiftEnd = -1;
            if (drift) {
                // a stretch of turned images (a camera mounted wrongly, then fixed): the run
                // notices, pauses its cycles, and recovers once the stream is as before
                shiftAt = samples * 2 / 5;
                shiftEnd = samples * 3 / 5;
                System.out.printf(
                        Locale.ROOT,
                        "    --drift: every image from sample %d to sample %d is turned by 90"
                                + " degrees%n",
                        shiftAt,
                        shiftEnd);
            }
            long sent = 0;
            while (sent < samples) {
                long end = Math.min(samples, sent + train.size());
                boolean turned = false;
                if (drift && sent < shiftAt) {
                    end = Math.min(end, shiftAt);
                } else if (drift && sent < shiftEnd) {
                    end = Math.min(end, shiftEnd);
                    turned = true;
                }
                long n = end - sent;
                try (ProducerProgressBar bar =
                        ProducerProgressBar.onStderr(train.name() + " -> prunestream-samples", n)) {
                    DatasetProducer.produce(
                            ProducerSettings.builder()
                                    .setBootstrapServers(kafka.bootstrapServers())
                                    .setTopic("prunestream-samples")
                                    .setDataset(Datasets.FASHION_MNIST)
                                    .setLimit(n)
                                    .setSamplesPerRecord(8)
                                    .setShift(turned ? DataShift.parse("rotate90") : null, 0)
                                    .build(),
                            train,
                            bar);
                }
                sent = end;
            }
            int bad = sendMalformed(kafka.bootstrapServers());
            System.out.printf(
                    Locale.ROOT,
                    "    and %d malformed records, which must end in the dead-letter topic%n",
                    bad);

            System.out.println(
                    "3/4 pruning job on a local Flink mini cluster: runs r50 (GReg-1, r=0.5), r90"
                            + " (GReg-1, r=0.9) and cont (continuous GReg-1 cycles within 2"
                            + " points of its reference), evaluated on samples held out of the"
                            + " stream");
            StreamExecutionEnvironment env =
                    StreamExecutionEnvironment.createLocalEnvironment(1, conf);
            PruneJob.Streams s = PruneJob.build(env, conf, true);
            s.versionLines().print().name("versions-log");
            CloseableIterator<ModelVersion> versions = s.versions().collectAsync();
            CloseableIterator<TrainingEvent> events = s.events().collectAsync();
            // read while the job runs: the mini cluster stops once the job is done
            JobClient job = env.executeAsync("prunestream demo");
            Map<String, Long> trained = new TreeMap<>();
            List<String> decisions = new ArrayList<>();
            events.forEachRemaining(
                    e -> {
                        trained.merge(e.runId(), (long) e.samples(), Long::sum);
                        if (e.cycles() != null) {
                            e.cycles()
                                    .decisions()
                                    .forEach(
                                            d ->
                                                    decisions.add(
                                                            String.format(
                                                                    Locale.ROOT,
                                                                    "| %d | %s | %s |",
                                                                    e.iteration(),
                                                                    d.kind()
                                                                            .name()
                                                                            .toLowerCase(
                                                                                    Locale.ROOT),
                                                                    d.text())));
                        }
                    });
            List<ModelVersion> all = new ArrayList<>();
            versions.forEachRemaining(all::add);
            job.getJobExecutionResult().get();
            System.out.println("4/4 report");
            Map<String, Integer> dead =
                    deadLettersByReason(kafka.bootstrapServers(), "prunestream-dead-letter");
            String report =
                    input(samples, bad, trained, dead)
                            + report(all, (System.nanoTime() - t0) / 1e9)
                            + cycles(all, decisions, shiftAt, shiftEnd);
            System.out.println(report);
            Files.writeString(out.resolve("demo-report.md"), report, StandardCharsets.UTF_8);
            System.out.println(
                    "report written to " + out.resolve("demo-report.md").toAbsolutePath());
        }
        return 0;
    }

    static Configuration jobConfig(String servers, Path out, Plan plan) {
        Configuration c =
                JobConfig.fromYaml(
                        """
                        kafka.bounded: true
                        kafka.model-topic: prunestream-models
                        prune.runs: r50;r90;cont
                        prune.run.r50.ratios: 0.5
                        prune.run.r90.ratios: 0.9
                        prune.method: greg1
                        eval.source: stream
                        prune.run.cont.schedule: continuous
                        prune.run.cont.ratios: 0.9
                        prune.run.cont.cycle.step: 0.3
                        prune.run.cont.budget.accuracy-drop: 2
                        prune.run.cont.cycle.on-breach: halve
                        prune.metrics.port: 9464
                        prune.metrics.port-conflict: fallback
                        """);
        c.setString("kafka.bootstrap-servers", servers);
        c.setString("output.dir", out.resolve("models").toString());
        c.setString("prune.warmup", Long.toString(plan.warmup()));
        c.setString("prune.lr.train", "0:0.05," + (plan.warmup() * 2 / 3) + ":0.01");
        c.setString("prune.penalty.delta", Double.toString(plan.delta()));
        c.setString("prune.penalty.stabilize", Long.toString(plan.stabilize()));
        c.setString("prune.eval.interval", Long.toString(plan.evalEvery()));
        c.setString("prune.publish.interval", Long.toString(plan.finetune() / 2));
        c.setString("eval.holdout", Double.toString(plan.holdout()));
        c.setString("eval.window", Integer.toString(plan.window()));
        c.setString("prune.run.cont.penalty.delta", Double.toString(plan.cycles().delta()));
        c.setString("prune.run.cont.penalty.stabilize", Long.toString(plan.cycles().stabilize()));
        c.setString("prune.run.cont.cycle.finetune", Long.toString(plan.cycles().finetune()));
        c.setString("prune.run.cont.lr.finetune", "0:0.01");
        c.setString("execution.checkpointing.dir", out.resolve("checkpoints").toUri().toString());
        // Flink's own metrics (Kafka lag, checkpoints, backpressure) for the same Prometheus
        c.setString(
                "metrics.reporter.prom.factory.class",
                "org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
        c.setString("metrics.reporter.prom.port", "9251-9260");
        return c;
    }

    static int sendMalformed(String servers) {
        java.util.Properties p = new java.util.Properties();
        p.put("bootstrap.servers", servers);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        List<byte[]> bad =
                List.of(
                        "{\"image\": \"not our format\"}".getBytes(StandardCharsets.UTF_8),
                        new byte[] {'P', 'S', 'R', 'C', 9, 0, 0, 0},
                        new byte[] {'P', 'S', 'R', 'C'});
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (byte[] b : bad) {
                producer.send(new ProducerRecord<>("prunestream-samples", null, b));
            }
            producer.flush();
        }
        return bad.size();
    }

    /** What went in and where it went: accepted samples per run, rejects by reason. */
    static String input(
            long produced, int malformed, Map<String, Long> trained, Map<String, Integer> dead) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%nInput: %d samples and %d malformed records produced.%n",
                        produced,
                        malformed));
        trained.forEach(
                (run, n) ->
                        sb.append(
                                String.format(
                                        Locale.ROOT,
                                        "  accepted and trained by %s: %d samples%n",
                                        run,
                                        n)));
        int total = dead.values().stream().mapToInt(Integer::intValue).sum();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "  rejected and dead-lettered (read_committed from"
                                + " 'prunestream-dead-letter'): %d %s%n",
                        total,
                        dead));
        return sb.toString();
    }

    /** Committed dead letters by their reason header. */
    static Map<String, Integer> deadLettersByReason(String servers, String topic) {
        Map<String, Integer> out = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : Topics.readCommitted(servers, topic, 0)) {
            String reason = Topics.header(r, "prunestream.reason");
            out.merge(reason == null ? "?" : reason, 1, Integer::sum);
        }
        return out;
    }

    /**
     * The continuous run's front (one row per cycle's version, the rolled-back cycles marked) and
     * what it decided, with the drift if there was one.
     */
    static String cycles(
            List<ModelVersion> versions, List<String> decisions, long shiftAt, long shiftEnd) {
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%nContinuous run %s: accuracy vs FLOPs per cycle (held-out window when"
                                + " published)%n%n| cycle | FLOPs | FLOPs speed-up | params |"
                                + " accuracy | |%n|---|---|---|---|---|---|%n",
                        CONTINUOUS));
        Map<Integer, String> rows = new TreeMap<>();
        double floor = Double.NaN;
        for (ModelVersion v : versions) {
            var l = v.report().lineage();
            if (!v.runId().equals(CONTINUOUS) || l == null) {
                continue;
            }
            floor = l.floor();
            rows.putIfAbsent(
                    l.cycle(),
                    String.format(
                            Locale.ROOT,
                            "| %d | %d | %.2fx | %d | %.2f%% | kept (v%d) |%n",
                            l.cycle(),
                            l.flops(),
                            (double) v.baseFlops() / l.flops(),
                            l.params(),
                            100 * l.accuracy(),
                            v.version()));
            var b = l.rolledBackFrom();
            if (b != null) {
                rows.putIfAbsent(
                        b.cycle(),
                        String.format(
                                Locale.ROOT,
                                "| %d | %d | %.2fx | %d | %.2f%% | rolled back (v%d republishes"
                                        + " cycle %d) |%n",
                                b.cycle(),
                                b.flops(),
                                (double) v.baseFlops() / b.flops(),
                                b.params(),
                                100 * b.accuracy(),
                                v.version(),
                                l.cycle()));
            }
        }
        rows.values().forEach(sb::append);
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%nBudget floor %.2f%% (reference minus 2 points); no version was"
                                + " published below it.%n",
                        100 * floor));
        if (shiftAt >= 0) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%n--drift: images turned by 90 degrees from sample %d to sample %d.%n",
                            shiftAt,
                            shiftEnd));
        }
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%nDecisions of %s:%n%n| iteration | what | |%n|---|---|---|%n",
                        CONTINUOUS));
        decisions.forEach(d -> sb.append(d).append('\n'));
        return sb.toString();
    }

    static String report(List<ModelVersion> versions, double seconds) throws IOException {
        Map<String, ModelVersion> last = new LinkedHashMap<>();
        for (ModelVersion v : versions) {
            if (v.last()) {
                last.put(v.runId(), v);
            }
        }
        StringBuilder sb = new StringBuilder();
        sb.append(
                String.format(
                        Locale.ROOT,
                        "%n| run | base accuracy (end of warm-up, or a model file's as read) | accuracy before pruning (end of regularisation) | accuracy after fine-tuning | params | FLOPs | FLOPs speed-up | kept/pruned magnitude at pruning |%n"));
        sb.append("|---|---|---|---|---|---|---|---|\n");
        for (ModelVersion v : last.values()) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "| %s | %.2f%% | %.2f%% | %.2f%% | %d -> %d | %d -> %d | %.2fx | %.0f |%n",
                            v.runId(),
                            100 * v.baseAccuracy(),
                            100 * v.accuracyBeforePrune(),
                            100 * v.accuracy(),
                            v.baseParams(),
                            v.params(),
                            v.baseFlops(),
                            v.flops(),
                            v.flopsSpeedup(),
                            v.magnitudeRatioAtPrune()));
        }
        sb.append('\n');
        for (ModelVersion v : last.values()) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%s widths: %s -> %s%n",
                            v.runId(),
                            v.baseWidths(),
                            v.widths()));
            sb.append(String.format(Locale.ROOT, "%s model: %s%n", v.runId(), v.path()));
            Path html = Path.of(v.path()).getParent().resolve("report").resolve("index.html");
            if (Files.exists(html)) {
                sb.append(String.format(Locale.ROOT, "%s report: %s%n", v.runId(), html));
            }
        }
        sb.append(String.format(Locale.ROOT, "%ntotal time %.0f s%n", seconds));
        return sb.toString();
    }
}
