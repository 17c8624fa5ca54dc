package io.prunestream.apps.soak;

import io.prunestream.apps.JobProcess;
import io.prunestream.apps.Main;
import io.prunestream.apps.WorkFolder;
import io.prunestream.apps.measure.FlinkRest;
import io.prunestream.apps.measure.JvmProbe;
import io.prunestream.apps.measure.ProcessStats;
import io.prunestream.apps.measure.Trend;
import io.prunestream.connectors.producer.DatasetProducer;
import io.prunestream.connectors.producer.ProducerSettings;
import io.prunestream.core.config.UsageException;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.ChildJvm;
import io.prunestream.testing.LocalKafkaBroker;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToDoubleFunction;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The long-run check: a local broker, a producer streaming Fashion-MNIST at a steady rate (cycling
 * the data set), and an unbounded job with two runs (r50, r90; checkpoints on, the job's defaults
 * otherwise) in a child JVM. Every report interval it prints the job process's RSS, its JVM heap,
 * ND4J's native buffers (counted inside the job's JVM), the latest checkpoint's size and duration,
 * the disk used under the output folder, the consumer lag and the training steps per second; at the
 * end a verdict per series says whether it still grows after warm-up.
 *
 * <p>Long because a soak is one timeline (broker, producer thread, child job, a probe loop, the
 * stop with a savepoint, the verdict) and its report columns; the probes themselves live in {@code
 * apps.measure}.
 */
@Command(
        name = "soak",
        description = {
            "A steady stream into an unbounded two-run job for a long time; every report interval:"
                    + " RSS, heap, ND4J off-heap, checkpoint size and duration, disk, consumer lag."
                    + " Exits 1 when a quantity keeps growing after the warm-up."
        })
public final class Soak implements Callable<Integer> {
    private static final int SAMPLES_PER_RECORD = 8;
    private static final String GROUP = "soak";

    /** A measured series and how its verdict is judged. */
    private record Series(
            String name, Trend trend, ToDoubleFunction<Row> value, String unit, double scale) {}

    /** One report row. */
    record Row(
            double seconds,
            long rss,
            long heapMin,
            long heapMax,
            long nd4j,
            long javacpp,
            long physical,
            long checkpointId,
            long checkpointSize,
            long checkpointMs,
            long checkpointsFailed,
            long disk,
            long checkpointDisk,
            long lagRecords,
            double stepsPerSecond,
            double producedPerSecond) {}

    @Option(names = "--minutes", description = "How long to stream (default: ${DEFAULT-VALUE}).")
    double minutes = 30;

    @Option(
            names = "--rate",
            description = "Samples per second produced (default: ${DEFAULT-VALUE}).")
    double rate = 400;

    @Option(
            names = "--report-seconds",
            description = "Seconds between report lines (default: ${DEFAULT-VALUE}).")
    int reportSeconds = 60;

    @Option(
            names = "--warmup-minutes",
            description = "Minutes left out of the trend check (default: max(2, minutes / 6)).")
    Double warmupMinutes;

    @Option(
            names = "--job",
            paramLabel = "'K=V ...'",
            description = "Extra job options, key=value separated by spaces (default: none).")
    String jobOptions = "";

    @Option(names = "--heap", description = "The job's -Xmx (default: ${DEFAULT-VALUE}).")
    String heap = "2g";

    @Mixin WorkFolder workFolder;

    private final PrintStream out = System.out;

    @Override
    public Integer call() throws Exception {
        return run();
    }

    private int run() throws Exception {
        try { // a bad --job option stops the soak before it starts, not the child job later
            JobConfig.fromArgs(jobArgs(Path.of("output"), 0).toArray(String[]::new));
        } catch (IllegalArgumentException e) {
            throw UsageException.of(e);
        }
        double warmup = warmupMinutes != null ? warmupMinutes : Math.max(2, minutes / 6);
        Path work = workFolder.create("soak");
        Path output = work.resolve("output");
        Path probeFile = work.resolve("jvm-probe.txt");
        LabelledImages train = Datasets.FASHION_MNIST.load(Datasets.Split.TRAIN);
        int restPort = JobProcess.freePort();
        List<String> job = jobArgs(output, restPort);
        out.printf(
                Locale.ROOT,
                "soak: %.0f min, %.0f samples/s (Fashion-MNIST, cycled), runs r50 and r90, a report"
                        + " every %d s, warm-up %.0f min; %d cores; work dir %s%n"
                        + "soak: job options %s%n",
                minutes,
                rate,
                reportSeconds,
                warmup,
                Runtime.getRuntime().availableProcessors(),
                work,
                String.join(" ", job));
        List<Row> rows = new ArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong produced = new AtomicLong();
        try (LocalKafkaBroker kafka = LocalKafkaBroker.start(work.resolve("kafka"))) {
            kafka.createTopic("samples", 1);
            kafka.createTopic("dead-letters", 1);
            List<String> args =
                    new ArrayList<>(List.of("--bootstrap-servers", kafka.bootstrapServers()));
            args.addAll(job);
            Thread producer =
                    new Thread(
                            () -> produce(kafka.bootstrapServers(), train, rate, stop, produced),
                            "soak-producer");
            producer.setDaemon(true);
            producer.start();
            List<String> probed =
                    new ArrayList<>(
                            List.of(probeFile.toString(), "5000", Main.class.getName(), "job"));
            probed.addAll(args);
            Process p =
                    ChildJvm.start(
                            work,
                            JobProcess.jvmOptions(heap),
                            JobProcess.ENV,
                            JvmProbe.class.getName(),
                            probed,
                            work.resolve("job.log"));
            out.printf(Locale.ROOT, "soak: job pid %d, log %s%n", p.pid(), work.resolve("job.log"));
            header();
            FlinkRest rest = new FlinkRest(restPort);
            long t0 = System.nanoTime();
            long end = t0 + (long) (minutes * 60e9);
            double lastSteps = 0;
            long lastProduced = 0;
            String lastFailure = null;
            long lastT = t0;
            try (Admin admin = kafka.admin()) {
                while (System.nanoTime() < end && p.isAlive()) {
                    long next = lastT + reportSeconds * 1_000_000_000L;
                    Thread.sleep(Math.max(0, (next - System.nanoTime()) / 1_000_000));
                    long now = System.nanoTime();
                    double dt = (now - lastT) / 1e9;
                    double steps = trainerSteps(rest).orElse(lastSteps);
                    long producedNow = produced.get();
                    List<JvmProbe.Sample> samples =
                            JvmProbe.read(probeFile).stream()
                                    .filter(
                                            x ->
                                                    x.epochMillis()
                                                            >= System.currentTimeMillis()
                                                                    - reportSeconds * 1000L)
                                    .toList();
                    JvmProbe.Sample last =
                            samples.isEmpty() ? null : samples.get(samples.size() - 1);
                    Optional<FlinkRest.Checkpoint> c =
                            rest.runningJob().flatMap(rest::latestCheckpoint);
                    Optional<String> failure = rest.runningJob().flatMap(rest::latestFailure);
                    if (failure.isPresent() && !failure.get().equals(lastFailure)) {
                        lastFailure = failure.get();
                        out.println("soak: checkpoint failed: " + lastFailure);
                    }
                    Row r =
                            new Row(
                                    (now - t0) / 1e9,
                                    ProcessStats.rssBytes(p.pid()),
                                    samples.stream()
                                            .mapToLong(JvmProbe.Sample::heapUsed)
                                            .min()
                                            .orElse(-1),
                                    samples.stream()
                                            .mapToLong(JvmProbe.Sample::heapUsed)
                                            .max()
                                            .orElse(-1),
                                    last == null ? -1 : last.nd4jBytes(),
                                    last == null ? -1 : last.javacppBytes(),
                                    last == null ? -1 : last.physicalBytes(),
                                    c.map(FlinkRest.Checkpoint::id).orElse(-1L),
                                    c.map(FlinkRest.Checkpoint::stateSize).orElse(-1L),
                                    c.map(FlinkRest.Checkpoint::durationMs).orElse(-1L),
                                    c.map(FlinkRest.Checkpoint::failed).orElse(0L),
                                    ProcessStats.folderBytes(output),
                                    ProcessStats.folderBytes(output.resolve("checkpoints")),
                                    lag(admin),
                                    (steps - lastSteps) / dt,
                                    (producedNow - lastProduced) / dt);
                    rows.add(r);
                    print(r);
                    lastSteps = steps;
                    lastProduced = producedNow;
                    lastT = now;
                }
                if (!p.isAlive()) {
                    out.printf(
                            Locale.ROOT,
                            "soak: the job ended early (exit %d); see %s%n",
                            p.exitValue(),
                            work.resolve("job.log"));
                }
            } finally {
                stop.set(true);
                // SIGTERM: the job stops with a savepoint, as a user's Ctrl-C does. Through the
                // handle: Process.destroy() also closes the child's stdin, and a ChildJvm halts
                // at once when its stdin closes
                long stopAt = System.nanoTime();
                p.toHandle().destroy();
                if (!p.waitFor(3, TimeUnit.MINUTES)) {
                    p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                }
                out.printf(
                        Locale.ROOT,
                        "soak: SIGTERM to the job: it exited with %d after %.1f s%n",
                        p.exitValue(),
                        (System.nanoTime() - stopAt) / 1e9);
            }
            String log = Files.readString(work.resolve("job.log"));
            log.lines()
                    .filter(l -> l.startsWith("prunestream job:"))
                    .forEach(l -> out.println("soak: job said: " + l));
            out.printf(
                    Locale.ROOT,
                    "soak: on disk after the stop: %s under %s (%s)%n",
                    mb(ProcessStats.folderBytes(output)),
                    output,
                    breakdown(output));
        }
        boolean grows = verdicts(rows, warmup * 60, rate);
        workFolder.done(work);
        return grows ? 1 : 0;
    }

    private List<String> jobArgs(Path output, int restPort) {
        List<String> j =
                new ArrayList<>(
                        List.of(
                                "--kafka.topic",
                                "samples",
                                "--kafka.group-id",
                                GROUP,
                                "--kafka.dead-letter-topic",
                                "dead-letters",
                                "--output.dir",
                                output.toString(),
                                "--prune.runs",
                                "r50;r90",
                                "--prune.run.r50.ratios",
                                "0.5",
                                "--prune.run.r90.ratios",
                                "0.9",
                                "--prune.metrics.port",
                                "0",
                                "-Drest.bind-port=" + restPort,
                                "-Dmetrics.fetcher.update-interval=1s"));
        for (String kv : jobOptions.trim().split("\\s+")) {
            if (kv.isEmpty()) {
                continue;
            }
            int eq = kv.indexOf('=');
            if (eq <= 0) {
                throw new UsageException(
                        "--job: expected key=value pairs separated by spaces, got '" + kv + "'");
            }
            j.add("--" + kv.substring(0, eq));
            j.add(kv.substring(eq + 1));
        }
        return j;
    }

    /** Streams the training split again and again at {@code rate} samples/s until stopped. */
    private void produce(
            String servers,
            LabelledImages train,
            double rate,
            AtomicBoolean stop,
            AtomicLong produced) {
        ProducerSettings s =
                ProducerSettings.builder()
                        .setBootstrapServers(servers)
                        .setTopic("samples")
                        .setRate(rate)
                        .setSamplesPerRecord(SAMPLES_PER_RECORD)
                        .build();
        // passes of 30 s each, so the pace is kept from pass to pass
        int pass = (int) Math.min(train.size(), Math.max(SAMPLES_PER_RECORD, rate * 30));
        int from = 0;
        while (!stop.get()) {
            LabelledImages chunk = slice(train, from, pass);
            long before = produced.get();
            try {
                DatasetProducer.produce(s, chunk, p -> produced.set(before + p.samplesSent()));
            } catch (RuntimeException e) {
                if (!stop.get()) {
                    out.println("soak: producer failed: " + e.getMessage());
                }
                return;
            }
            from = (from + pass) % train.size();
        }
    }

    /** {@code n} samples of {@code data} from {@code from}, wrapping around. */
    static LabelledImages slice(LabelledImages data, int from, int n) {
        int per = data.shape().size();
        byte[] pixels = new byte[n * per];
        int[] labels = new int[n];
        for (int i = 0; i < n; i++) {
            int k = (from + i) % data.size();
            System.arraycopy(data.pixels(), k * per, pixels, i * per, per);
            labels[i] = data.labels()[k];
        }
        return new LabelledImages(data.name(), data.shape(), data.classes(), pixels, labels);
    }

    /**
     * Mini-batches the trainer has taken so far (both runs). The REST API answers with what its
     * last fetch saw and fetches anew on request, so the second of two reads is fresh.
     */
    private static Optional<Double> trainerSteps(FlinkRest rest) throws InterruptedException {
        Optional<String> job = rest.runningJob();
        Optional<String> trainer = job.flatMap(j -> rest.vertex(j, "trainer"));
        if (trainer.isEmpty()) {
            return Optional.empty();
        }
        rest.metric(job.get(), trainer.get(), "trainer", "numRecordsIn");
        Thread.sleep(1500);
        return rest.metric(job.get(), trainer.get(), "trainer", "numRecordsIn");
    }

    /** Records in the topic that the job's group has not committed yet. */
    private static long lag(Admin admin) {
        try {
            TopicPartition tp = new TopicPartition("samples", 0);
            long end =
                    admin.listOffsets(Map.of(tp, OffsetSpec.latest()))
                            .partitionResult(tp)
                            .get(10, TimeUnit.SECONDS)
                            .offset();
            OffsetAndMetadata committed =
                    admin.listConsumerGroupOffsets(GROUP)
                            .partitionsToOffsetAndMetadata()
                            .get(10, TimeUnit.SECONDS)
                            .get(tp);
            return end - (committed == null ? 0 : committed.offset());
        } catch (Exception e) {
            return -1;
        }
    }

    private void header() {
        out.println(
                "| min | RSS | heap used (min–max) | ND4J buffers | JavaCPP total / physical |"
                        + " checkpoint |"
                        + " size | duration | failed | disk (checkpoints) | lag (records) |"
                        + " steps/s | produced samples/s |");
        out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    }

    private void print(Row r) {
        out.printf(
                Locale.ROOT,
                "| %.1f | %s | %s–%s | %s | %s / %s | %d | %s | %,d ms | %d | %s (%s) | %,d | %.1f | %.0f"
                        + " |%n",
                r.seconds() / 60,
                mb(r.rss()),
                mbShort(r.heapMin()),
                mb(r.heapMax()),
                mb(r.nd4j()),
                mb(r.javacpp()),
                mb(r.physical()),
                r.checkpointId(),
                mb(r.checkpointSize()),
                r.checkpointMs(),
                r.checkpointsFailed(),
                mb(r.disk()),
                mb(r.checkpointDisk()),
                r.lagRecords(),
                r.stepsPerSecond(),
                r.producedPerSecond());
        out.flush();
    }

    /** Prints a verdict per series; true if any grows (or, for steps/s, falls) to the end. */
    boolean verdicts(List<Row> rows, double warmupSeconds, double rate) {
        if (rows.stream().filter(r -> r.seconds() >= warmupSeconds).count() < 4) {
            out.println("soak: too few reports after warm-up for a verdict; run longer");
            return true;
        }
        double mb = 1e6;
        Trend memory = new Trend(0.10, 32 * mb);
        // committed offsets trail by up to one checkpoint interval, and a report by its own
        double lagSlack = rate * 30 / SAMPLES_PER_RECORD;
        List<Series> series =
                List.of(
                        new Series("RSS", memory, Row::rss, "MB", mb),
                        new Series("heap used (lowest per report)", memory, Row::heapMin, "MB", mb),
                        new Series("ND4J buffers", memory, Row::nd4j, "MB", mb),
                        new Series(
                                "checkpoint size",
                                new Trend(0.10, mb),
                                Row::checkpointSize,
                                "MB",
                                mb),
                        new Series(
                                "checkpoint duration",
                                new Trend(0.25, 250),
                                Row::checkpointMs,
                                "ms",
                                1),
                        new Series(
                                "disk under the output dir",
                                new Trend(0.10, mb),
                                Row::disk,
                                "MB",
                                mb),
                        new Series(
                                "consumer lag",
                                new Trend(0.10, lagSlack),
                                Row::lagRecords,
                                "records",
                                1),
                        new Series(
                                "steps/s, negated (a fall grows)",
                                new Trend(0.10, 0.5),
                                r -> -r.stepsPerSecond(),
                                "steps/s",
                                1));
        out.printf(Locale.ROOT, "%nsoak verdicts (after %.0f min warm-up):%n", warmupSeconds / 60);
        boolean anyGrows = false;
        for (Series x : series) {
            List<Trend.Point> points =
                    rows.stream()
                            .map(r -> new Trend.Point(r.seconds(), x.value().applyAsDouble(r)))
                            .toList();
            Trend.Verdict v = x.trend().judge(points, warmupSeconds);
            anyGrows |= v.kind() == Trend.Kind.GROWS;
            out.printf(Locale.ROOT, "  %-34s %s%n", x.name(), v.describe(x.unit(), x.scale()));
        }
        return anyGrows;
    }

    /** Sizes of the output folder's top-level entries. */
    private static String breakdown(Path output) throws IOException {
        if (!Files.isDirectory(output)) {
            return "nothing";
        }
        List<String> parts = new ArrayList<>();
        try (Stream<Path> s = Files.list(output)) {
            for (Path x : s.sorted().toList()) {
                parts.add(x.getFileName() + " " + mb(ProcessStats.folderBytes(x)));
            }
        }
        return String.join(", ", parts);
    }

    private static String mb(long bytes) {
        return bytes < 0 ? "?" : String.format(Locale.ROOT, "%.1f MB", bytes / 1e6);
    }

    private static String mbShort(long bytes) {
        return bytes < 0 ? "?" : String.format(Locale.ROOT, "%.0f", bytes / 1e6);
    }
}
