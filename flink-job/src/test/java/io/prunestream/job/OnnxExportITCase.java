package io.prunestream.job;

import static org.assertj.core.api.Assertions.assertThat;

import ai.onnxruntime.OnnxTensor;
import ai.onnxruntime.OrtEnvironment;
import ai.onnxruntime.OrtSession;
import ai.onnxruntime.TensorInfo;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.prunestream.core.data.Datasets;
import io.prunestream.core.nn.Network;
import io.prunestream.core.store.ModelStore;
import io.prunestream.job.config.JobConfig;
import io.prunestream.testing.KafkaFlinkCluster;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import onnx.Onnx;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The job on a mini cluster with a real broker writes every committed version also as {@code
 * model.onnx} beside {@code model.zip}: ONNX Runtime computes what DL4J computes from the zip (64
 * random inputs, 1e-4), for a run pruned by filters (the ONNX file physically smaller) and one
 * pruned by weights (masked zeros in the file), and each announcement on the model topic names both
 * files with their SHA-256.
 */
class OnnxExportITCase {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OrtEnvironment ORT = OrtEnvironment.getEnvironment();

    @RegisterExtension static final KafkaFlinkCluster CLUSTER = KafkaFlinkCluster.builder().build();

    @TempDir static Path tmp;

    @BeforeAll
    static void fill() {
        CLUSTER.createTopic("samples", 1);
        CLUSTER.createTopic("dlq", 1);
        CLUSTER.createTopic("models", 1);
        FashionMnistTopic.fill(CLUSTER.bootstrapServers(), "samples", Datasets.Split.TRAIN, 320, 8);
    }

    @Test
    void everyVersionIsAlsoOnnxThatOnnxRuntimeRunsLikeDl4j() throws Exception {
        Path out = tmp.resolve("out");
        Configuration conf =
                JobConfig.fromYaml(
                        """
                        kafka.topic: samples
                        kafka.dead-letter-topic: dlq
                        kafka.model-topic: models
                        kafka.bounded: true
                        prune.runs: r50;w90
                        prune.run.w90.granularity: weight
                        prune.run.w90.ratios: 0.9
                        prune.batch-size: 32
                        prune.warmup: 2
                        prune.penalty.interval: 1
                        prune.penalty.delta: 0.5
                        prune.penalty.stabilize: 1
                        prune.publish.interval: 2
                        prune.eval.interval: 0
                        eval.dataset: none
                        prune.metrics.port: 0
                        prune.checkpoint.interval: 1 s
                        """);
        conf.setString("kafka.bootstrap-servers", CLUSTER.bootstrapServers());
        conf.setString("output.dir", out.toString());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment(conf);
        env.setParallelism(1);
        PruneJob.build(env, conf, false);
        env.execute("onnx-export-itcase");

        List<Path> versions = new ArrayList<>();
        for (String run : List.of("r50", "w90")) {
            List<Path> vs = ModelStore.versions(out.resolve(run));
            assertThat(vs).as("versions of %s", run).hasSizeGreaterThanOrEqualTo(2);
            versions.addAll(vs);
        }
        for (Path v : versions) {
            try (Stream<Path> files = Files.list(v)) {
                assertThat(files.map(f -> f.getFileName().toString()))
                        .as("files of %s", v)
                        .contains("model.zip", "model.onnx", "report.json");
            }
            double delta = maxDelta(v);
            System.out.printf("%s: max |ONNX Runtime - DL4J| = %.2e%n", v, delta);
            assertThat(delta).as("%s: ONNX Runtime against DL4J", v).isLessThan(1e-4);
        }

        // pruned by filters: the file holds the narrower convolutions
        Path r50 = last(out.resolve("r50"));
        Map<String, Long> widths = widths(r50);
        assertThat(weightShape(r50, "conv2.weight")[0]).isEqualTo(widths.get("conv2"));
        assertThat(weightShape(r50, "conv3.weight")[0])
                .isEqualTo(widths.get("conv3"))
                .isEqualTo(32);
        // pruned by weights: the same shapes, 90 % of conv3's weights exactly zero
        Path w90 = last(out.resolve("w90"));
        assertThat(weightShape(w90, "conv3.weight")[0]).isEqualTo(64);
        assertThat(zeroFraction(w90, "conv3.weight")).isGreaterThanOrEqualTo(0.9);

        List<JsonNode> announced = new ArrayList<>();
        for (ConsumerRecord<byte[], byte[]> r : CLUSTER.readCommitted("models", versions.size())) {
            announced.add(JSON.readTree(r.value()));
        }
        assertThat(announced).hasSizeGreaterThanOrEqualTo(versions.size());
        for (JsonNode a : announced) {
            Path dir = Path.of(a.get("path").asText());
            JsonNode files = a.path("files");
            assertThat(files.path("zip").asText())
                    .as("announcement of %s", dir)
                    .isEqualTo("model.zip");
            assertThat(files.path("zipSha256").asText()).isEqualTo(ModelStore.modelHash(dir));
            assertThat(files.path("onnx").asText()).isEqualTo("model.onnx");
            assertThat(files.path("onnxSha256").asText())
                    .isEqualTo(sha256(Files.readAllBytes(dir.resolve("model.onnx"))));
            assertThat(files.path("onnxError").isNull()).isTrue();
        }
    }

    /** DL4J on the folder's zip against ONNX Runtime on its ONNX file, 64 random inputs. */
    private static double maxDelta(Path version) throws Exception {
        Network net = ModelStore.load(version).network();
        Nd4j.getRandom().setSeed(version.toString().hashCode());
        INDArray x = Nd4j.rand(DataType.FLOAT, net.inputShape().batchShape(64));
        INDArray expected = net.output(x);
        byte[] onnx = Files.readAllBytes(version.resolve("model.onnx"));
        try (OrtSession s = ORT.createSession(onnx, new OrtSession.SessionOptions());
                OnnxTensor in =
                        OnnxTensor.createTensor(
                                ORT, FloatBuffer.wrap(x.dup('c').data().asFloat()), x.shape());
                OrtSession.Result r = s.run(Map.of("input", in))) {
            assertThat(((TensorInfo) s.getInputInfo().get("input").getInfo()).getShape())
                    .containsExactly(-1, 1, 28, 28);
            FloatBuffer y = ((OnnxTensor) r.get("output").orElseThrow()).getFloatBuffer();
            float[] values = new float[y.remaining()];
            y.get(values);
            INDArray actual = Nd4j.create(values, expected.shape(), 'c');
            return Transforms.abs(actual.sub(expected)).maxNumber().doubleValue();
        }
    }

    private static Path last(Path runDir) throws Exception {
        List<Path> vs = ModelStore.versions(runDir);
        return vs.get(vs.size() - 1);
    }

    private static Map<String, Long> widths(Path version) throws Exception {
        return ModelStore.readReport(version).widths();
    }

    private static Onnx.TensorProto initializer(Path version, String name) throws Exception {
        Onnx.ModelProto m =
                Onnx.ModelProto.parseFrom(Files.readAllBytes(version.resolve("model.onnx")));
        return m.getGraph().getInitializerList().stream()
                .filter(t -> t.getName().equals(name))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no initializer " + name + " in " + version));
    }

    private static long[] weightShape(Path version, String name) throws Exception {
        return initializer(version, name).getDimsList().stream()
                .mapToLong(Long::longValue)
                .toArray();
    }

    private static double zeroFraction(Path version, String name) throws Exception {
        FloatBuffer f =
                ByteBuffer.wrap(initializer(version, name).getRawData().toByteArray())
                        .order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer();
        int zeros = 0;
        int n = f.remaining();
        for (int i = 0; i < n; i++) {
            zeros += f.get(i) == 0f ? 1 : 0;
        }
        return (double) zeros / n;
    }

    private static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }
}
