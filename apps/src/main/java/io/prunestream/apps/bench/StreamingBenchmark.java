package io.prunestream.apps.bench;

import io.prunestream.connectors.producer.DatasetProducer;
import io.prunestream.connectors.producer.ProducerSettings;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.nn.CpuBackend;
import io.prunestream.core.run.PruningRun;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.job.PruneJob;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.LocalKafkaBroker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.core.execution.JobClient;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.nd4j.linalg.dataset.DataSet;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * Streaming efficiency: training samples/s through Kafka + Flink divided by samples/s of a plain
 * DL4J loop over the same samples, batches and network. Both are measured in steady state (from the
 * first step to the last) in alternating rounds of one run, so machine noise hits both alike.
 */
@Command(
        name = "bench-stream",
        description = {
            "Streaming efficiency: training samples/s through Kafka + Flink divided by samples/s"
                    + " of a plain DL4J loop over the same samples, in alternating rounds."
        })
public final class StreamingBenchmark implements Callable<Integer> {
    @Mixin SideBySide sides;

    @Option(
            names = "--model",
            paramLabel = "MODEL",
            defaultValue = "small-cnn",
            description =
                    "The run's model: small-cnn, lenet, vggN (11, 13, 16, 19) or resnetN (6n+2)"
                            + " (default: ${DEFAULT-VALUE}).")
    String model;

    @Option(
            names = "--samples",
            paramLabel = "N",
            description =
                    "Fashion-MNIST training samples streamed (default: 48000 for small-cnn and"
                            + " lenet, 6400 for the larger models, whose steps take seconds here).")
    Integer samples;

    @Option(
            names = "--samples-per-record",
            paramLabel = "K",
            defaultValue = "8",
            description = "Samples in one Kafka record (default: ${DEFAULT-VALUE}).")
    int perRecord;

    @Option(
            names = "--method",
            paramLabel = "METHOD",
            defaultValue = "greg1",
            description = "The job's prune.method (default: ${DEFAULT-VALUE}).")
    String method;

    @Option(
            names = "--checkpoint-interval",
            defaultValue = "10 s",
            paramLabel = "DURATION",
            description = "The job's prune.checkpoint.interval (default: ${DEFAULT-VALUE}).")
    String checkpointInterval;

    @Override
    public Integer call() throws Exception {
        CpuBackend.configure();
        CheckpointBench.Model m = CheckpointBench.Model.parse(model);
        int samples = this.samples != null ? this.samples : m.depth() == 0 ? 48000 : 6400;
        Path tmp = Files.createTempDirectory("prunestream-bench");
        try (LocalKafkaBroker kafka = LocalKafkaBroker.start(tmp.resolve("kafka"))) {
            kafka.createTopic("bench", 1);
            kafka.createTopic("bench-dead-letter", 1);
            LabelledImages train = Datasets.FASHION_MNIST.load(Datasets.Split.TRAIN).head(samples);
            DatasetProducer.produce(
                    ProducerSettings.builder()
                            .setBootstrapServers(kafka.bootstrapServers())
                            .setTopic("bench")
                            .setDataset(Datasets.FASHION_MNIST)
                            .setLimit(samples)
                            .setSamplesPerRecord(perRecord)
                            .build(),
                    train,
                    p -> {});
            System.out.printf(
                    Locale.ROOT,
                    "streaming efficiency: %s, %d Fashion-MNIST samples, batch %d, %d per record,"
                            + " method %s, checkpoints every %s, %d cores%n",
                    m.name(),
                    samples,
                    sides.batch,
                    perRecord,
                    method,
                    checkpointInterval,
                    Runtime.getRuntime().availableProcessors());
            double[] plain = new double[sides.rounds];
            double[] stream = new double[sides.rounds];
            for (int r = 0; r < sides.rounds; r++) {
                Configuration conf = config(kafka.bootstrapServers(), tmp.resolve("out" + r), r, m);
                plain[r] = plainLoop(JobConfig.runs(conf).get(0), train, sides.batch);
                stream[r] = streaming(conf);
                System.out.printf(
                        Locale.ROOT,
                        "  round %d: plain DL4J loop %.0f samples/s, Kafka + Flink %.0f samples/s, efficiency %.3f%n",
                        r + 1,
                        plain[r],
                        stream[r],
                        stream[r] / plain[r]);
            }
            double[] ratio = new double[sides.rounds];
            for (int r = 0; r < sides.rounds; r++) {
                ratio[r] = stream[r] / plain[r];
            }
            double p = median(plain);
            double s = median(stream);
            // the ratio is taken per round (both sides measured side by side), then its median
            System.out.printf(
                    Locale.ROOT,
                    "%n| plain DL4J samples/s (median) | Kafka + Flink samples/s (median) | streaming efficiency: median of rounds (ratio of the medians) |%n|---|---|---|%n| %.0f | %.0f | %.3f (%.3f) |%n",
                    p,
                    s,
                    median(ratio),
                    s / p);
        }
        return 0;
    }

    private Configuration config(String servers, Path out, int round, CheckpointBench.Model m) {
        Configuration c =
                JobConfig.fromYaml(
                        """
                        kafka.topic: bench
                        kafka.dead-letter-topic: bench-dead-letter
                        kafka.bounded: true
                        prune.runs: bench
                        prune.warmup: 100
                        prune.penalty.delta: 0.01
                        prune.penalty.stabilize: 50
                        prune.eval.interval: 0
                        prune.publish.interval: 0
                        prune.stats.interval: 1000000
                        eval.dataset: none
                        prune.metrics.port: 0
                        """);
        c.setString("kafka.bootstrap-servers", servers);
        c.setString("kafka.group-id", "bench-" + round);
        c.setString("prune.method", method);
        c.setString("prune.model", m.kind());
        if (m.depth() > 0) {
            c.setString("prune.model.depth", Integer.toString(m.depth()));
        }
        c.setString("prune.batch-size", Integer.toString(sides.batch));
        c.setString("prune.checkpoint.interval", checkpointInterval);
        c.setString("output.dir", out.toString());
        return c;
    }

    /** The same run spec in a plain loop over the same samples in the same order. */
    static double plainLoop(RunSettings run, LabelledImages data, int batch) {
        PruningRun t = PruningRun.create(run, null);
        long start = 0;
        long trained = 0;
        for (int from = 0; from + batch <= data.size(); from += batch) {
            DataSet d = data.batch(from, from + batch);
            t.step(d, null);
            if (from == 0) {
                start = System.nanoTime();
            } else {
                trained += batch;
            }
        }
        return trained / ((System.nanoTime() - start) / 1e9);
    }

    static double streaming(Configuration conf) throws Exception {
        StreamExecutionEnvironment env = StreamExecutionEnvironment.createLocalEnvironment(1, conf);
        PruneJob.Streams s = PruneJob.build(env, conf, false);
        CloseableIterator<TrainingEvent> events = s.events().collectAsync();
        JobClient job = env.executeAsync("prunestream streaming benchmark");
        List<TrainingEvent> all = new ArrayList<>();
        events.forEachRemaining(all::add);
        job.getJobExecutionResult().get();
        // steady state: from the end of the first step to the end of the last full batch
        long trained = 0;
        TrainingEvent first = all.get(0);
        TrainingEvent last = first;
        for (TrainingEvent e : all.subList(1, all.size())) {
            if (e.samples() == first.samples()) {
                trained += e.samples();
                last = e;
            }
        }
        return trained / ((last.timestampMillis() - first.timestampMillis()) / 1e3);
    }

    static double median(double[] v) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }
}
