package io.prunestream.apps.chaos;

import io.prunestream.apps.JobProcess;
import io.prunestream.apps.job.Checkpoints;
import io.prunestream.connectors.kafka.HoldOut;
import io.prunestream.connectors.producer.DatasetProducer;
import io.prunestream.connectors.producer.ProducerSettings;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.schedule.GReg1;
import io.prunestream.core.store.ModelStore;
import io.prunestream.core.store.PruningReport;
import io.prunestream.testing.LocalKafkaBroker;
import io.prunestream.testing.Topics;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipFile;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * The crash-proof scenario against a real broker: one partition, one GReg-1 run whose prune falls
 * inside the stream and one continuous run ({@value #CONTINUOUS}: pruning cycles, evaluated on
 * samples held out of the stream), the job in a child JVM. An uninterrupted run gives the
 * reference; the chaos run is killed with SIGKILL three times (warm-up, mid-regularisation,
 * fine-tune) and resumed with {@code --resume} each time, and the broker is stopped once for a
 * while; the kills fall where they fall in the continuous run's cycles, inside them as a rule. Then
 * every published version of both runs must be bit-identical to the reference's, every valid sample
 * not held out trained exactly once, and the model and dead-letter topics (read with
 * read_committed) must hold no duplicates.
 *
 * <p>Long because the scenario is one story: produce, a reference run, kills and resumes, an
 * outage, then the checks on folders and topics.
 */
public final class Chaos {

    /** Sizes of the scenario; {@link #full()} is the documented command's default. */
    public record Settings(int samples, int malformed, Duration outage, Path workDir) {
        public static Settings full(Path workDir) {
            return new Settings(24_000, 40, Duration.ofSeconds(60), workDir);
        }
    }

    /** One check and its figure. */
    public record Check(String name, boolean ok, String figure) {}

    private static final int BATCH = 32;
    private static final int PER_RECORD = 8;
    private static final double HOLDOUT = 0.1;

    /** The continuous run. */
    static final String CONTINUOUS = "c1";

    private static final Pattern RESUMED =
            Pattern.compile(
                    "run '" + CONTINUOUS + "' resumed at iteration (\\d+) \\((\\w+), cycle (\\d+)");

    private final Settings s;
    private final PrintStream out;
    private final List<Check> checks = new ArrayList<>();

    private Chaos(Settings s, PrintStream out) {
        this.s = s;
        this.out = out;
    }

    /** Runs the scenario; returns the checks (all must hold). */
    public static List<Check> run(Settings s, PrintStream out) throws Exception {
        return new Chaos(s, out).run();
    }

    private List<Check> run() throws Exception {
        Files.createDirectories(s.workDir());
        long t0 = System.nanoTime();
        try (LocalKafkaBroker kafka = LocalKafkaBroker.start(s.workDir().resolve("kafka"))) {
            for (String t :
                    List.of("samples", "dlq-ref", "dlq-chaos", "models-ref", "models-chaos")) {
                kafka.createTopic(t, 1);
            }
            produce(kafka.bootstrapServers());
            long heldOut = heldOut();
            int iterations = (int) ((s.samples() - heldOut + BATCH - 1) / BATCH);
            GReg1 schedule = schedule(iterations);
            long prune = schedule.timeline().pruneIteration();
            out.printf(
                    Locale.ROOT,
                    "chaos: %d samples, %d held out (%d steps of %d) and %d malformed records;"
                            + " GReg-1 prunes at step %d; broker outage %d s%n",
                    s.samples(),
                    heldOut,
                    iterations,
                    BATCH,
                    s.malformed(),
                    prune,
                    s.outage().toSeconds());

            Path ref = s.workDir().resolve("reference");
            out.println("chaos: reference run (uninterrupted) ...");
            int refExit = runToEnd(job(kafka, "ref", ref, schedule, false), ref.resolve("job.log"));
            check("reference run ends", refExit == 0, "exit " + refExit);

            Path chaos = s.workDir().resolve("chaos");
            long regularizeMid = schedule.warmup() + schedule.timeline().growthUpdates() / 2;
            long[] kills = {schedule.warmup() / 2, regularizeMid, prune + (iterations - prune) / 4};
            long outageAt = prune + (iterations - prune) / 2;
            int port = JobProcess.freePort();
            boolean resume = false;
            for (int k = 0; k < kills.length; k++) {
                Process p = startJob(kafka, chaos, schedule, resume, port);
                long at = waitForIteration(p, port, kills[k], chaos.resolve("job.log"));
                waitForCheckpoint(p, chaos);
                p.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
                out.printf(
                        Locale.ROOT,
                        "chaos: SIGKILL %d at step %d (target %d)%n",
                        k + 1,
                        at,
                        kills[k]);
                resume = true;
            }
            Process p = startJob(kafka, chaos, schedule, true, port);
            long at = waitForIteration(p, port, outageAt, chaos.resolve("job.log"));
            out.printf(
                    Locale.ROOT,
                    "chaos: broker stopped at step %d for %d s%n",
                    at,
                    s.outage().toSeconds());
            kafka.stopProcess();
            Thread.sleep(s.outage().toMillis());
            kafka.restart();
            out.println("chaos: broker back; waiting for the job to finish ...");
            boolean ended = p.waitFor(20, TimeUnit.MINUTES);
            int exit = ended ? p.exitValue() : -1;
            check(
                    "chaos run ends by itself after 3 kills and an outage",
                    exit == 0,
                    "exit " + exit);
            String log = Files.readString(chaos.resolve("job.log"), StandardCharsets.UTF_8);
            long resumes =
                    log.lines().filter(l -> l.startsWith("prunestream job: resuming from")).count();
            long failures =
                    log.lines().filter(l -> l.startsWith("prunestream job: failure")).count();
            check("resumed with --resume after each kill", resumes == 3, resumes + " resumes");
            // where the kills left the continuous run (the trainer logs it when it resumes)
            List<String> where =
                    log.lines()
                            .map(RESUMED::matcher)
                            .filter(Matcher::find)
                            .map(m -> m.group(2) + " " + m.group(3) + " at " + m.group(1))
                            .toList();
            check(
                    CONTINUOUS + ": resumed inside a pruning cycle at least once",
                    where.stream().anyMatch(w -> w.startsWith("CYCLE")),
                    String.join(", ", where));
            out.printf(Locale.ROOT, "chaos: %d failovers seen during the outage%n", failures);

            for (String run : List.of("r50", CONTINUOUS)) {
                compareVersions(ref, chaos, iterations, run);
            }
            compareTopics(kafka.bootstrapServers(), ref, chaos);
        }
        out.printf(Locale.ROOT, "chaos: %.0f s%n", (System.nanoTime() - t0) / 1e9);
        for (Check c : checks) {
            out.printf(
                    Locale.ROOT, "  [%s] %s: %s%n", c.ok() ? "ok" : "FAILED", c.name(), c.figure());
        }
        return checks;
    }

    /** Warm-up 15 % of the stream, growth to tau=1 in a fifth, K_s a tenth; then fine-tuning. */
    static GReg1 schedule(int iterations) {
        long warmup = Math.max(4, iterations * 15L / 100);
        long growth = Math.max(4, iterations / 5);
        double delta = Math.round(1000.0 / growth) / 1000.0;
        long stabilize = Math.max(2, iterations / 10);
        return new GReg1(warmup, 1, delta, 1.0, stabilize, 1.0);
    }

    private void produce(String servers) throws Exception {
        DatasetProducer.produce(
                ProducerSettings.builder()
                        .setBootstrapServers(servers)
                        .setTopic("samples")
                        .setDataset(Datasets.FASHION_MNIST)
                        .setLimit(s.samples())
                        .setSamplesPerRecord(PER_RECORD)
                        .build());
        Properties p = new Properties();
        p.put("bootstrap.servers", servers);
        p.put("key.serializer", ByteArraySerializer.class.getName());
        p.put("value.serializer", ByteArraySerializer.class.getName());
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            for (int i = 0; i < s.malformed(); i++) {
                byte[] bad =
                        switch (i % 4) {
                            case 0 -> ("not a record " + i).getBytes(StandardCharsets.UTF_8);
                            case 1 -> new byte[] {'P', 'S', 'R', 'C', 9, 0, 0, 0};
                            case 2 -> new byte[0];
                            default -> new byte[] {'P', 'S', 'R', 'C', 1, 7};
                        };
                producer.send(new ProducerRecord<>("samples", null, bad)).get();
            }
        }
    }

    private List<String> job(
            LocalKafkaBroker kafka, String name, Path dir, GReg1 g, boolean resume, int port) {
        List<String> a = new ArrayList<>();
        if (resume) {
            a.add("--resume");
        }
        a.addAll(
                List.of(
                        "--bootstrap-servers",
                        kafka.bootstrapServers(),
                        "--kafka.topic",
                        "samples",
                        "--kafka.group-id",
                        "chaos-" + name,
                        "--kafka.dead-letter-topic",
                        "dlq-" + name,
                        "--kafka.model-topic",
                        "models-" + name,
                        "--kafka.bounded",
                        "true",
                        "--output.dir",
                        dir.toString(),
                        "--output.keep-versions",
                        "0",
                        "--prune.runs",
                        "r50;" + CONTINUOUS,
                        "--prune.ratios",
                        "0.5",
                        "--prune.batch-size",
                        Integer.toString(BATCH),
                        "--prune.warmup",
                        Long.toString(g.warmup()),
                        "--prune.penalty.delta",
                        Double.toString(g.delta()),
                        "--prune.penalty.stabilize",
                        Long.toString(g.stabilize()),
                        "--prune.publish.interval",
                        "25",
                        "--prune.eval.interval",
                        "0",
                        "--eval.source",
                        "stream",
                        "--eval.holdout",
                        Double.toString(HOLDOUT),
                        "--eval.window",
                        "100",
                        "--prune.run." + CONTINUOUS + ".schedule",
                        "continuous",
                        "--prune.run." + CONTINUOUS + ".eval.interval",
                        "5",
                        "--prune.run." + CONTINUOUS + ".penalty.delta",
                        "0.25",
                        "--prune.run." + CONTINUOUS + ".penalty.stabilize",
                        "2",
                        "--prune.run." + CONTINUOUS + ".cycle.finetune",
                        "6",
                        "--prune.run." + CONTINUOUS + ".cycle.step",
                        "0.3",
                        "--prune.run." + CONTINUOUS + ".budget.accuracy-drop",
                        "20",
                        "--prune.run." + CONTINUOUS + ".publish.interval",
                        "10",
                        "--prune.checkpoint.interval",
                        "1 s",
                        "--prune.restart.delay",
                        "5 s",
                        "--prune.restart.max-failures",
                        "30",
                        "--prune.metrics.port",
                        Integer.toString(port)));
        return a;
    }

    private List<String> job(LocalKafkaBroker kafka, String name, Path dir, GReg1 g, boolean r) {
        return job(kafka, name, dir, g, r, 0);
    }

    /** The chaos run's job in a child JVM, appending to {@code dir/job.log}. */
    private Process startJob(
            LocalKafkaBroker kafka, Path dir, GReg1 schedule, boolean resume, int port)
            throws IOException {
        return JobProcess.start(
                dir,
                "2g",
                job(kafka, "chaos", dir, schedule, resume, port),
                dir.resolve("job.log"));
    }

    private int runToEnd(List<String> args, Path log) throws Exception {
        Files.createDirectories(log.getParent());
        Process p = JobProcess.start(log.getParent(), "2g", args, log);
        return p.waitFor(20, TimeUnit.MINUTES) ? p.exitValue() : -1;
    }

    /**
     * Waits until a complete checkpoint exists under {@code dir}: a kill before the first one
     * leaves nothing to resume from, and {@code --resume} then refuses to start.
     */
    private static void waitForCheckpoint(Process p, Path dir) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (Checkpoints.newest(dir).isEmpty()) {
            if (!p.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException(
                        "no complete checkpoint under "
                                + dir
                                + " (job alive: "
                                + p.isAlive()
                                + ")");
            }
            Thread.sleep(200);
        }
    }

    /** Polls the child's metrics until run r50 reached {@code iteration}; returns where it was. */
    private static long waitForIteration(Process p, int port, long iteration, Path log)
            throws Exception {
        return JobProcess.waitForIteration(p, port, "r50", iteration, Duration.ofMinutes(15), log);
    }

    /** The samples held out for evaluation: by their place in the topic (one partition). */
    private long heldOut() {
        HoldOut h = new HoldOut(HOLDOUT);
        long n = 0;
        for (int i = 0; i < s.samples(); i++) {
            n += h.heldOut(0, i / PER_RECORD, i % PER_RECORD) ? 1 : 0;
        }
        return n;
    }

    private void compareVersions(Path ref, Path chaos, int iterations, String run)
            throws IOException {
        List<String> a = versions(ref.resolve(run));
        List<String> b = versions(chaos.resolve(run));
        check(
                run + ": same versions published",
                a.equals(b) && !a.isEmpty(),
                a.size() + " vs " + b.size());
        int identical = 0;
        int sameLineage = 0;
        for (String v : a) {
            if (b.contains(v)
                    && Arrays.equals(
                            coefficients(ref.resolve(run).resolve(v)),
                            coefficients(chaos.resolve(run).resolve(v)))) {
                identical++;
            }
            if (b.contains(v)
                    && java.util.Objects.equals(
                            ModelStore.readReport(ref.resolve(run).resolve(v)).lineage(),
                            ModelStore.readReport(chaos.resolve(run).resolve(v)).lineage())) {
                sameLineage++;
            }
        }
        check(
                run + ": every version's parameters bit-identical to the uninterrupted run",
                identical == a.size(),
                identical + " of " + a.size());
        if (run.equals(CONTINUOUS)) {
            check(
                    run + ": every version's cycle, accuracy and lineage as uninterrupted",
                    sameLineage == a.size(),
                    sameLineage + " of " + a.size());
        }
        PruningReport last = ModelStore.readReport(chaos.resolve(run).resolve(b.get(b.size() - 1)));
        check(
                run + ": samples trained = valid samples produced less those held out, each once",
                last.iteration() == iterations,
                String.format(
                        Locale.ROOT,
                        "%d steps of %d for %d samples (%d expected)",
                        last.iteration(),
                        BATCH,
                        s.samples(),
                        iterations));
        check(
                run + ": nothing left staged",
                !Files.exists(chaos.resolve(run).resolve(".staging"))
                        || isEmpty(chaos.resolve(run).resolve(".staging")),
                "");
    }

    private void compareTopics(String servers, Path ref, Path chaos) {
        Map<String, Integer> models = count(servers, "models-chaos", true);
        Map<String, Integer> refModels = count(servers, "models-ref", true);
        int versions =
                versions(chaos.resolve("r50")).size() + versions(chaos.resolve(CONTINUOUS)).size();
        check(
                "model-topic announcements = versions, no duplicates",
                models.size() == versions && models.values().stream().allMatch(n -> n == 1),
                models.values().stream().mapToInt(Integer::intValue).sum()
                        + " announcements for "
                        + versions
                        + " versions (reference: "
                        + refModels.size()
                        + ")");
        Map<String, Integer> dead = count(servers, "dlq-chaos", false);
        check(
                "dead letters = malformed inputs, no duplicates",
                dead.size() == s.malformed() && dead.values().stream().allMatch(n -> n == 1),
                dead.values().stream().mapToInt(Integer::intValue).sum()
                        + " dead letters for "
                        + s.malformed()
                        + " malformed records");
    }

    /**
     * read_committed records by identity: a run's model version (run/vN) or a dead letter's offset.
     */
    private static Map<String, Integer> count(String servers, String topic, boolean models) {
        Map<String, Integer> out = new TreeMap<>();
        for (ConsumerRecord<byte[], byte[]> r : Topics.readCommitted(servers, topic, 0)) {
            String id;
            if (models) {
                String json = new String(r.value(), StandardCharsets.UTF_8);
                Matcher m = Pattern.compile("\"version\"\\s*:\\s*(\\d+)").matcher(json);
                Matcher run = Pattern.compile("\"runId\"\\s*:\\s*\"([^\"]+)\"").matcher(json);
                id = m.find() && run.find() ? run.group(1) + "/v" + m.group(1) : json;
            } else {
                String offset = Topics.header(r, "prunestream.source.offset");
                id = offset == null ? "?" + r.offset() : offset;
            }
            out.merge(id, 1, Integer::sum);
        }
        return out;
    }

    private static List<String> versions(Path runDir) {
        try {
            return ModelStore.versions(runDir).stream()
                    .map(p -> p.getFileName().toString())
                    .toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static byte[] coefficients(Path versionDir) throws IOException {
        try (ZipFile z = new ZipFile(versionDir.resolve(ModelStore.MODEL_FILE).toFile())) {
            return z.getInputStream(z.getEntry("coefficients.bin")).readAllBytes();
        }
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.findAny().isEmpty();
        }
    }

    private void check(String name, boolean ok, String figure) {
        checks.add(new Check(name, ok, figure));
    }
}
