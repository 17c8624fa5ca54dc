package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.cost.NetworkCost;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.core.nn.Network;
import io.prunestream.core.nn.OptimizerSpec;
import io.prunestream.core.nn.imports.ModelImports;
import io.prunestream.core.run.ModelVersion;
import io.prunestream.core.run.TrainingEvent;
import io.prunestream.core.schedule.Phase;
import io.prunestream.core.store.ModelStore;
import io.prunestream.core.train.HeldOutSet;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.KafkaFlinkCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.CloseableIterator;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.dataset.DataSet;

/**
 * prune.model as a file, through the job on a real broker: a DL4J zip of a network this test trains
 * on normalised Fashion-MNIST, and PyTorch's ResNet-20 as ONNX. Each run's base accuracy is its
 * file's network evaluated on the held-out set before the first step (the same figure as evaluating
 * the file directly), the run starts without warm-up, and data.normalize reaches training and
 * evaluation alike. The ResNet-20 run with coupled groups publishes a network smaller than the
 * file's and than the inner run's, scoring what its report says. A shape that does not fit the file
 * stops the job in one line.
 */
class ModelFileITCase {
    private static final String TOPIC = "samples";
    private static final String DLQ = "dead-letters";
    private static final int SAMPLES = 640;
    private static final int HELD_OUT = 500;
    // Fashion-MNIST's pixel mean and standard deviation (torchvision's usual Normalize)
    private static final float MEAN = 0.2860f;
    private static final float STD = 0.3530f;

    @RegisterExtension static final KafkaFlinkCluster CLUSTER = KafkaFlinkCluster.builder().build();

    @TempDir static Path tmp;

    @BeforeAll
    static void createTopics() {
        CLUSTER.createTopic(TOPIC, 2);
        CLUSTER.createTopic(DLQ, 1);
    }

    /** Normalised by hand, independently of the job's code: (pixel / 255 - mean) / std. */
    private static DataSet normalised(DataSet d) {
        d.getFeatures().subi(MEAN).divi(STD);
        return d;
    }

    /** A small CNN trained briefly on normalised Fashion-MNIST, saved as a DL4J zip. */
    private static Path trainedZip() throws Exception {
        LabelledImages train = Datasets.FASHION_MNIST.load(Datasets.Split.TRAIN);
        Network net =
                ModelSpec.smallCnn(InputShape.MNIST, 10, 7).build(OptimizerSpec.sgd(0.05, 5e-4));
        for (int from = 0; from < 64 * 120; from += 64) {
            net.fit(normalised(train.batch(from, from + 64)));
        }
        Path zip = tmp.resolve("small-cnn.zip");
        Files.write(zip, net.toBytes(false));
        return zip;
    }

    /** The file's network, as read, on the first HELD_OUT test images normalised by hand. */
    private static double accuracyOf(Path file) {
        return accuracyOf(ModelImports.read(file).network());
    }

    private static double accuracyOf(Network net) {
        LabelledImages test = Datasets.FASHION_MNIST.load(Datasets.Split.TEST).head(HELD_OUT);
        DataSet d = normalised(test.batch(0, test.size()));
        HeldOutSet set =
                new HeldOutSet(d.getFeatures().data().asFloat(), test.labels(), test.shape());
        return set.accuracy(net, HELD_OUT);
    }

    @Test
    void startsFromAModelFileWhoseAccuracyIsTheBase() throws Exception {
        Path zip = trainedZip();
        Map<String, Double> expected =
                Map.of("zip", accuracyOf(zip), "onnx", accuracyOf(ModelFixtures.RESNET20));
        FashionMnistTopic.fill(
                CLUSTER.bootstrapServers(), TOPIC, Datasets.Split.TRAIN, SAMPLES, 32);

        Configuration conf =
                JobConfig.fromYaml(
                        """
                        kafka.bounded: true
                        prune.runs: zip;onnx;coupled
                        prune.run.zip.model: %s
                        prune.run.onnx.model: %s
                        prune.run.coupled.model: %s
                        prune.run.coupled.groups: coupled
                        data.normalize: 0.2860/0.3530
                        prune.batch-size: 32
                        prune.penalty.delta: 0.5
                        prune.penalty.stabilize: 4
                        prune.eval.interval: 0
                        prune.publish.interval: 0
                        eval.samples: %d
                        prune.metrics.port: 0
                        prune.checkpoint.interval: 2 s
                        """
                                .formatted(
                                        zip,
                                        ModelFixtures.RESNET20,
                                        ModelFixtures.RESNET20,
                                        HELD_OUT));
        conf.setString("kafka.bootstrap-servers", CLUSTER.bootstrapServers());
        conf.setString("kafka.topic", TOPIC);
        conf.setString("kafka.dead-letter-topic", DLQ);
        conf.setString("output.dir", tmp.resolve("models").toString());

        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.setParallelism(1);
        PruneJob.Streams s = PruneJob.build(env, conf, false);
        CloseableIterator<TrainingEvent> events = s.events().collectAsync();
        CloseableIterator<ModelVersion> versions = s.versions().collectAsync();
        env.execute("model-file-itcase");
        List<TrainingEvent> seen = new ArrayList<>();
        events.forEachRemaining(seen::add);
        List<ModelVersion> published = new ArrayList<>();
        versions.forEachRemaining(published::add);

        for (String run : List.of("zip", "onnx")) {
            double base = expected.get(run);
            List<TrainingEvent> steps =
                    seen.stream()
                            .filter(e -> e.runId().equals(run))
                            .sorted(Comparator.comparingLong(TrainingEvent::iteration))
                            .toList();
            assertThat(steps).as(run).hasSize(SAMPLES / 32);
            // no warm-up: the penalty starts at the first step, which reports the accuracy
            // the file's network had before it
            assertThat(steps).extracting(TrainingEvent::phase).doesNotContain(Phase.TRAIN);
            assertThat(steps.get(0).iteration()).isZero();
            assertThat(steps.get(0).evalAccuracy()).as(run).isEqualTo(base);
            ModelVersion last =
                    published.stream()
                            .filter(v -> v.runId().equals(run) && v.last())
                            .findFirst()
                            .orElseThrow();
            assertThat(last.baseAccuracy()).as("%s base accuracy", run).isEqualTo(base);
            assertThat(((Number) last.report().settings().get("warmup")).longValue()).isZero();
            assertThat(last.report().input()).isEqualTo("1x28x28");
            System.out.printf(
                    "%s: base %.3f, after %d steps %.3f%n",
                    run, base, steps.size(), last.accuracy());
        }
        assertThat(published.stream().filter(v -> v.runId().equals("onnx")).findFirst())
                .get()
                .satisfies(v -> assertThat(v.report().model()).isEqualTo("resnet20.onnx"));
        // trained on normalised images: evaluated on them too, it is far above chance (0.1)
        assertThat(expected.get("zip")).isGreaterThan(0.5);

        // PyTorch's ResNet-20 pruned with coupled groups: the residual streams go too; the
        // published network is what the report says, smaller than the file's, and scores on the
        // held-out images what its report says
        ModelVersion coupled =
                published.stream()
                        .filter(v -> v.runId().equals("coupled") && v.last())
                        .findFirst()
                        .orElseThrow();
        Network input = ModelImports.read(ModelFixtures.RESNET20).network();
        Network output = ModelStore.load(Path.of(coupled.path())).network();
        ModelVersion inner =
                published.stream()
                        .filter(v -> v.runId().equals("onnx") && v.last())
                        .findFirst()
                        .orElseThrow();
        System.out.printf(
                "resnet20.onnx: params %d (file) -> %d inner, %d coupled; FLOPs x%.2f inner,"
                        + " x%.2f coupled; widths coupled %s%n",
                NetworkCost.of(input).params(),
                inner.params(),
                coupled.params(),
                (double) inner.baseFlops() / inner.flops(),
                (double) coupled.baseFlops() / coupled.flops(),
                coupled.widths());
        assertThat(NetworkCost.of(output).params())
                .isEqualTo(coupled.params())
                .isLessThan(inner.params())
                .isLessThan(NetworkCost.of(input).params());
        // the stem's channels are a residual stream: only coupled groups narrow it
        assertThat(coupled.widths()).containsEntry("conv", 4L);
        assertThat(inner.widths()).containsEntry("conv", 8L);
        assertThat(accuracyOf(output)).isEqualTo(coupled.accuracy());
    }

    @Test
    void aSampleShapeThatDoesNotFitTheFileStopsTheJobInOneLine() {
        Configuration conf =
                JobConfig.fromYaml(
                        "prune.model: %s\ndata.sample-shape: 3,32,32"
                                .formatted(ModelFixtures.RESNET20));
        conf.setString("kafka.bootstrap-servers", CLUSTER.bootstrapServers());
        conf.setString("output.dir", tmp.resolve("refused").toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        assertThatThrownBy(() -> PruneJob.build(env, conf, false))
                .isInstanceOf(UsageException.class)
                .satisfies(
                        e ->
                                assertThat(e.getMessage())
                                        .doesNotContain("\n")
                                        .contains("takes input 1x28x28")
                                        .contains("data.sample-shape is 3x32x32"));
    }
}
