package io.prunestream.apps.bench;

import io.prunestream.apps.JobProcess;
import io.prunestream.apps.WorkFolder;
import io.prunestream.apps.job.Checkpoints;
import io.prunestream.apps.measure.FlinkRest;
import io.prunestream.apps.measure.ProcessStats;
import io.prunestream.connectors.producer.DatasetProducer;
import io.prunestream.connectors.producer.ProducerSettings;
import io.prunestream.core.config.UsageException;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.nn.CpuBackend;
import io.prunestream.core.run.PruningRun;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.run.RunState;
import io.prunestream.core.store.ModelStore;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.LocalKafkaBroker;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Checkpoint size and duration per model with the job's durable default, and whether a restore from
 * the retained checkpoint finishes. For each model: a bounded job (one run, Fashion-MNIST from a
 * local broker) in a child JVM checkpoints every few seconds; after a few completed checkpoints it
 * is killed with SIGKILL and resumed with {@code --resume}, which must finish and publish its final
 * version. Sizes and durations come from the JobManager's checkpoint statistics (REST API); the
 * trainer's pause is measured twice: the {@code checkpointPauseMs} operator metric of the job, and
 * {@link PruningRun#snapshot()} timed in this JVM on the same network.
 *
 * <p>Long because each model is one measured story (direct snapshot timing, data sized to the
 * model's speed, the job, REST polling, the kill, the resume) and the table that compares them.
 */
@Command(
        name = "bench-checkpoint",
        description = {
            "Checkpoint size and duration and the trainer's pause per model; each job is then"
                    + " killed with SIGKILL and resumed with --resume. Exits 1 when a resume fails."
        })
public final class CheckpointBench implements Callable<Integer> {
    @Option(
            names = "--models",
            paramLabel = "LIST",
            description = "Comma-separated models (default: ${DEFAULT-VALUE}).")
    String models = DEFAULT_MODELS;

    @Option(names = "--batch", description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batch = 16;

    @Option(
            names = "--interval-seconds",
            description = "Checkpoint interval (default: ${DEFAULT-VALUE}).")
    int interval = 2;

    @Option(
            names = "--checkpoints",
            description = "Completed checkpoints before the kill (default: ${DEFAULT-VALUE}).")
    int checkpoints = 3;

    @Option(
            names = "--state-backend",
            paramLabel = "NAME",
            description = "hashmap or rocksdb (default: the job's, hashmap).")
    String backend = "";

    @Option(names = "--incremental", description = "Incremental checkpoints (RocksDB only).")
    boolean incremental;

    @Option(
            names = "--sigterm",
            description =
                    "Stop each job with SIGTERM (a savepoint, timed; the job's prune.stop.timeout"
                            + " applies) instead of SIGKILL, then resume from what it names.")
    boolean sigterm;

    @Mixin WorkFolder workFolder;

    /** A model the project builds, as the job's options name it. */
    record Model(String name, String kind, int depth) {
        static Model parse(String s) {
            String n = s.trim().toLowerCase(Locale.ROOT);
            Matcher m = Pattern.compile("(vgg|resnet)-?(\\d+)").matcher(n);
            if (m.matches()) {
                return new Model(m.group(1) + m.group(2), m.group(1), Integer.parseInt(m.group(2)));
            }
            if (n.equals("small-cnn") || n.equals("lenet")) {
                return new Model(n, n, 0);
            }
            throw new UsageException(
                    "--models: unknown model '"
                            + s
                            + "'; use small-cnn, lenet, vggN (11, 13, 16, 19) or resnetN (6n+2)");
        }
    }

    /** What one model's measurement found. */
    record Result(
            Model model,
            long params,
            long blobBytes,
            double snapshotMs,
            int samples,
            int checkpoints,
            long stateSize,
            long folderBytes,
            long durationMs,
            long startDelayMs,
            long syncMs,
            long asyncMs,
            double gaugePauseMs,
            String stop,
            String restore) {}

    private static final String DEFAULT_MODELS = "small-cnn,lenet,vgg11,vgg16,resnet20,resnet56";

    @Override
    public Integer call() throws Exception {
        CpuBackend.configure();
        List<Model> models = Arrays.stream(this.models.split(",")).map(Model::parse).toList();
        Path work = workFolder.create("bench-checkpoint");
        List<String> flink = new ArrayList<>();
        if (!backend.isEmpty()) {
            flink.add("-Dstate.backend.type=" + backend);
        }
        if (incremental) {
            flink.add("-Dexecution.checkpointing.incremental=true");
        }
        System.out.printf(
                Locale.ROOT,
                "checkpoint bench: batch %d, checkpoint every %d s, kill after %d checkpoints then"
                        + " --resume; state backend %s%s; %d cores, work dir %s%n",
                batch,
                interval,
                checkpoints,
                backend.isEmpty() ? "job default (hashmap)" : backend,
                incremental ? " (incremental)" : "",
                Runtime.getRuntime().availableProcessors(),
                work);
        LabelledImages train = Datasets.FASHION_MNIST.load(Datasets.Split.TRAIN);
        List<Result> results = new ArrayList<>();
        try (LocalKafkaBroker kafka = LocalKafkaBroker.start(work.resolve("kafka"))) {
            kafka.createTopic("ckpt-dead-letters", 1);
            for (Model m : models) {
                Path dir = work.resolve(m.name());
                Result r =
                        measure(kafka, train, m, batch, interval, checkpoints, flink, dir, sigterm);
                results.add(r);
                print(List.of(r), false);
                workFolder.done(dir);
            }
        }
        System.out.println();
        print(results, true);
        workFolder.done(work);
        return results.stream().allMatch(r -> r.restore().startsWith("ok")) ? 0 : 1;
    }

    private static Result measure(
            LocalKafkaBroker kafka,
            LabelledImages train,
            Model m,
            int batch,
            int interval,
            int checkpoints,
            List<String> flink,
            Path dir,
            boolean sigterm)
            throws Exception {
        String topic = "ckpt-" + m.name();
        Path out = dir.resolve("out");
        List<String> job = new ArrayList<>(flink);
        job.addAll(
                List.of(
                        "--bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--kafka.topic",
                        topic,
                        "--kafka.group-id",
                        "bench-" + m.name(),
                        "--kafka.dead-letter-topic",
                        "ckpt-dead-letters",
                        "--kafka.bounded",
                        "true",
                        "--output.dir",
                        out.toString(),
                        "--prune.runs",
                        "m",
                        "--prune.model",
                        m.kind(),
                        "--prune.model.depth",
                        Integer.toString(m.depth()),
                        "--prune.batch-size",
                        Integer.toString(batch),
                        "--prune.eval.interval",
                        "0",
                        "--eval.dataset",
                        "none",
                        "--prune.publish.interval",
                        "0",
                        "--prune.checkpoint.interval",
                        interval + " s",
                        "--prune.metrics.port",
                        "0",
                        "-Dmetrics.fetcher.update-interval=500ms"));
        RunSettings run = JobConfig.runs(JobConfig.fromArgs(job.toArray(String[]::new))).get(0);

        // the pause measured directly: the network's snapshot on this thread, as the trainer does
        PruningRun direct = PruningRun.create(run, null);
        direct.step(train.batch(0, batch), null);
        long t0 = System.nanoTime();
        int timedSteps = 3;
        for (int i = 1; i <= timedSteps; i++) {
            direct.step(train.batch(i * batch, (i + 1) * batch), null);
        }
        double stepSeconds = (System.nanoTime() - t0) / 1e9 / timedSteps;
        RunState state = direct.snapshot(); // the first one also initialises JSON writing
        double[] pauses = new double[5];
        for (int i = 0; i < pauses.length; i++) {
            long s = System.nanoTime();
            state = direct.snapshot();
            pauses[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(pauses);
        System.out.printf(
                Locale.ROOT,
                "  %s: snapshot() alone %s ms%n",
                m.name(),
                Arrays.stream(pauses)
                        .mapToObj(v -> String.format(Locale.ROOT, "%.0f", v))
                        .toList());
        long blob = RunState.CODEC.toBytes(state).length;
        long params = direct.network().numParams();
        direct = null;
        state = null;

        // enough data for the checkpoints to be taken while the run trains, plus a remainder; a
        // barrier waits behind the mini-batches queued ahead of it (about ten steps)
        double seconds =
                (checkpoints + 3) * Math.max(interval, 2 * pauses[2] / 1e3)
                        + checkpoints * 10 * stepSeconds;
        int samples =
                (int)
                        Math.min(
                                train.size(),
                                Math.max(200, batch * Math.ceil(seconds / stepSeconds)));
        kafka.createTopic(topic, 1);
        DatasetProducer.produce(
                ProducerSettings.builder()
                        .setBootstrapServers(kafka.bootstrapServers())
                        .setTopic(topic)
                        .setLimit(samples)
                        .setSamplesPerRecord(8)
                        .build(),
                train,
                p -> {});
        long batches = samples / batch;

        int port = JobProcess.freePort();
        List<String> first = new ArrayList<>(job);
        first.add("-Drest.bind-port=" + port);
        Process p = JobProcess.start(dir, "3g", first, dir.resolve("job.log"));
        FlinkRest rest = new FlinkRest(port);
        Map<Long, FlinkRest.Checkpoint> seen = new TreeMap<>();
        Map<Long, FlinkRest.TaskTimes> times = new TreeMap<>();
        List<Double> gauges = new ArrayList<>();
        String jobId = null;
        String trainer = null;
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(15);
        while (p.isAlive() && System.nanoTime() < deadline) {
            Thread.sleep(200);
            if (jobId == null) {
                jobId = rest.runningJob().orElse(null);
                continue;
            }
            if (trainer == null) {
                trainer = rest.vertex(jobId, "trainer").orElse(null);
                continue;
            }
            Optional<FlinkRest.Checkpoint> c = rest.latestCheckpoint(jobId);
            if (c.isPresent() && !seen.containsKey(c.get().id())) {
                seen.put(c.get().id(), c.get());
                rest.taskTimes(jobId, c.get().id(), trainer)
                        .ifPresent(t -> times.put(c.get().id(), t));
            }
            double g = rest.metric(jobId, trainer, "trainer", "checkpointPauseMs").orElse(0.0);
            if (g > 0 && (gauges.isEmpty() || gauges.get(gauges.size() - 1) != g)) {
                gauges.add(g); // a new checkpoint's pause
            }
            double trained = rest.metric(jobId, trainer, "trainer", "numRecordsIn").orElse(0.0);
            // counted only once the run has trained: its network is in the checkpoint
            long withRun = times.values().stream().filter(t -> t.stateSize() >= blob / 2).count();
            if (withRun >= checkpoints || (withRun >= 1 && trained >= 0.8 * batches)) {
                break;
            }
        }
        boolean endedEarly = !p.isAlive();
        String stop = "SIGKILL";
        if (sigterm && !endedEarly) {
            p.toHandle().destroy(); // SIGTERM: stop with a savepoint (Process.destroy closes stdin)
            p.waitFor(2, TimeUnit.MINUTES);
            stop =
                    Files.readAllLines(dir.resolve("job.log")).stream()
                            .filter(l -> l.startsWith("prunestream job: stopped in"))
                            .map(
                                    l ->
                                            l.replaceFirst(
                                                    "prunestream job: stopped in ([0-9.]+ s).*",
                                                    "savepoint in $1"))
                            .findFirst()
                            .orElse("no savepoint (see " + dir.resolve("job.log") + ")");
        }
        p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        Optional<Checkpoints.Found> retained = Checkpoints.newest(out);
        long folder = retained.map(f -> ProcessStats.folderBytes(f.dir())).orElse(0L);

        // the checkpoints taken while the run was in state: the figures of this model
        List<Long> ids =
                times.keySet().stream().filter(i -> times.get(i).stateSize() >= blob / 2).toList();
        for (long i : ids) {
            System.out.printf(
                    Locale.ROOT,
                    "  %s: checkpoint %d: barrier wait %,d ms, sync %,d ms, async %,d ms, %,d bytes%n",
                    m.name(),
                    i,
                    times.get(i).startDelayMs(),
                    times.get(i).syncMs(),
                    times.get(i).asyncMs(),
                    times.get(i).stateSize());
        }
        long stateSize = ids.stream().mapToLong(i -> seen.get(i).stateSize()).max().orElse(0);
        long duration = median(ids.stream().mapToLong(i -> seen.get(i).durationMs()));
        long delay = median(ids.stream().mapToLong(i -> times.get(i).startDelayMs()));
        long sync = median(ids.stream().mapToLong(i -> times.get(i).syncMs()));
        long async = median(ids.stream().mapToLong(i -> times.get(i).asyncMs()));

        String restore;
        if (endedEarly || retained.isEmpty()) {
            restore =
                    "not tried: "
                            + (endedEarly
                                    ? "the job ended before it was killed (see "
                                            + dir.resolve("job.log")
                                            + ")"
                                    : "no retained checkpoint under " + out);
        } else {
            restore = resume(dir, job, retained.get(), out);
        }
        return new Result(
                m,
                params,
                blob,
                pauses[pauses.length / 2],
                samples,
                ids.size(),
                stateSize,
                folder,
                duration,
                delay,
                sync,
                async,
                gauges.isEmpty() ? 0 : gauges.stream().sorted().toList().get(gauges.size() / 2),
                stop,
                restore);
    }

    /**
     * Resumes from the retained checkpoint; "ok ..." when the job finishes with its final version.
     */
    private static String resume(Path dir, List<String> job, Checkpoints.Found from, Path out)
            throws Exception {
        Path log = dir.resolve("resume.log");
        List<String> args = new ArrayList<>(List.of("--resume"));
        args.addAll(job);
        long t0 = System.nanoTime();
        Process p = JobProcess.start(dir, "3g", args, log);
        boolean ended = p.waitFor(15, TimeUnit.MINUTES);
        double seconds = (System.nanoTime() - t0) / 1e9;
        if (!ended) {
            p.destroyForcibly();
            return "FAILED: resumed job still running after 15 min (" + log + ")";
        }
        String text = Files.readString(log, StandardCharsets.UTF_8);
        boolean fromIt = text.contains("resuming from " + from.describe());
        Matcher at = Pattern.compile("run 'm' resumed at iteration (\\d+)").matcher(text);
        List<String> versions = versions(out.resolve("m"));
        if (p.exitValue() != 0 || !fromIt || !at.find() || versions.isEmpty()) {
            return String.format(
                    Locale.ROOT,
                    "FAILED: exit %d, resumed from chk-%d: %s, versions %s (%s)",
                    p.exitValue(),
                    from.checkpointId(),
                    fromIt,
                    versions,
                    log);
        }
        return String.format(
                Locale.ROOT,
                "ok: %s, step %s, ended in %.0f s, %s",
                from.dir().getFileName(),
                at.group(1),
                seconds,
                versions.get(versions.size() - 1));
    }

    private static List<String> versions(Path runDir) throws IOException {
        return ModelStore.versions(runDir).stream().map(p -> p.getFileName().toString()).toList();
    }

    private static void print(List<Result> results, boolean header) {
        if (header) {
            System.out.println(
                    "| model | params | samples | checkpoints | state size | chk-N on disk |"
                            + " duration (end to end) | trainer: barrier wait / sync / async |"
                            + " pause: checkpointPauseMs (median) / snapshot() timed | restore from the retained"
                            + " checkpoint | stop |");
            System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|");
        }
        for (Result r : results) {
            System.out.printf(
                    Locale.ROOT,
                    "| %s | %,d | %d | %d | %s | %s | %,d ms | %,d / %,d / %,d ms | %.0f / %.0f ms"
                            + " | %s | %s |%n",
                    r.model().name(),
                    r.params(),
                    r.samples(),
                    r.checkpoints(),
                    mb(r.stateSize()),
                    mb(r.folderBytes()),
                    r.durationMs(),
                    r.startDelayMs(),
                    r.syncMs(),
                    r.asyncMs(),
                    r.gaugePauseMs(),
                    r.snapshotMs(),
                    r.restore(),
                    r.stop());
        }
    }

    private static String mb(long bytes) {
        return String.format(Locale.ROOT, "%.2f MB", bytes / 1e6);
    }

    private static long median(java.util.stream.LongStream values) {
        long[] v = values.sorted().toArray();
        return v.length == 0 ? 0 : v[v.length / 2];
    }
}
