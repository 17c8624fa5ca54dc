package io.prunestream.connectors.producer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.connectors.record.DType;
import io.prunestream.core.data.Datasets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line and settings, without a broker: every bad input fails before connecting. */
class DatasetProducerTest {
    private static final String[] REQUIRED = {"--bootstrap-servers", "127.0.0.1:1", "--topic", "t"};

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();

    private int run(String... extra) {
        String[] args = new String[REQUIRED.length + extra.length];
        System.arraycopy(REQUIRED, 0, args, 0, REQUIRED.length);
        System.arraycopy(extra, 0, args, REQUIRED.length, extra.length);
        return DatasetProducer.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    private String err() {
        return err.toString(StandardCharsets.UTF_8);
    }

    @Test
    void parsesEveryOption() {
        ProducerSettings s =
                DatasetProducer.parse(
                        new String[] {
                            "--bootstrap-servers=localhost:9092",
                            "--topic",
                            "fm",
                            "--data",
                            "mnist",
                            "--split",
                            "test",
                            "--limit",
                            "1_000",
                            "--rate",
                            "250.5",
                            "--samples-per-record",
                            "64",
                            "--key",
                            "run-1",
                            "--dtype",
                            "FLOAT32",
                            "--property",
                            "linger.ms=50",
                            "--quiet"
                        });

        assertThat(s.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(s.topic()).isEqualTo("fm");
        assertThat(s.dataset()).isEqualTo(Datasets.MNIST);
        assertThat(s.split()).isEqualTo(Datasets.Split.TEST);
        assertThat(s.limit()).isEqualTo(1000);
        assertThat(s.rate()).isEqualTo(250.5);
        assertThat(s.samplesPerRecord()).isEqualTo(64);
        assertThat(s.key()).isEqualTo("run-1");
        assertThat(s.dtype()).isEqualTo(DType.FLOAT32);
        assertThat(s.progressBar()).isFalse();
        assertThat(s.producerProperties()).containsEntry("linger.ms", "50");
    }

    @Test
    void defaultsAreFashionMnistTrainUint8OneSamplePerRecord() {
        ProducerSettings s = DatasetProducer.parse(REQUIRED);

        assertThat(s.dataset()).isEqualTo(Datasets.FASHION_MNIST);
        assertThat(s.split()).isEqualTo(Datasets.Split.TRAIN);
        assertThat(s.limit()).isEqualTo(Long.MAX_VALUE);
        assertThat(s.rate()).isZero();
        assertThat(s.samplesPerRecord()).isOne();
        assertThat(s.key()).isNull();
        assertThat(s.dtype()).isEqualTo(DType.UINT8);
        assertThat(s.progressBar()).isTrue();
    }

    @Test
    void badOptionsExitWith2AndSayWhatIsWrong() {
        assertThat(run("--frobnicate")).isEqualTo(2);
        assertThat(err()).contains("unknown option '--frobnicate'").contains("usage:");

        err.reset();
        assertThat(run("--limit", "abc")).isEqualTo(2);
        assertThat(err()).contains("--limit 'abc' is not a whole number");

        err.reset();
        assertThat(run("--limit", "0")).isEqualTo(2);
        assertThat(err()).contains("--limit is 0, expected >= 1");

        err.reset();
        assertThat(run("--rate", "-5")).isEqualTo(2);
        assertThat(err()).contains("--rate is -5");

        err.reset();
        assertThat(run("--dtype", "int8")).isEqualTo(2);
        assertThat(err()).contains("unknown dtype 'int8': use uint8 or float32");

        err.reset();
        assertThat(run("--split", "validation")).isEqualTo(2);
        assertThat(err()).contains("--split 'validation' is not a split: use train or test");

        err.reset();
        assertThat(run("--data", "cifar10")).isEqualTo(2);
        assertThat(err()).contains("unknown data set 'cifar10'");

        err.reset();
        assertThat(run("--samples-per-record", "70000")).isEqualTo(2);
        assertThat(err()).contains("--samples-per-record is 70000, expected 1..65535");

        err.reset();
        assertThat(run("--property", "linger.ms")).isEqualTo(2);
        assertThat(err()).contains("--property needs KEY=VALUE");

        err.reset();
        assertThat(run("--key")).isEqualTo(2);
        assertThat(err()).contains("--key needs a value");

        err.reset();
        assertThat(run("--quiet=yes")).isEqualTo(2);
        assertThat(err()).contains("--quiet takes no value");
    }

    @Test
    void missingRequiredOptionsNameTheSetter() {
        assertThatThrownBy(() -> DatasetProducer.parse(new String[] {"--topic", "t"}))
                .hasMessageContaining("bootstrap servers are not set");
        assertThatThrownBy(
                        () ->
                                DatasetProducer.parse(
                                        new String[] {"--bootstrap-servers", "localhost:9092"}))
                .hasMessageContaining("topic is not set");
    }

    @Test
    void helpPrintsUsage() {
        assertThat(run("--help")).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--samples-per-record K");
    }

    @Test
    void recordsOverMaxRequestSizeAreRefusedBeforeConnecting() {
        assertThat(run("--samples-per-record", "2000", "--dtype", "float32", "--quiet"))
                .isEqualTo(2);
        assertThat(err())
                .contains("makes records of 6,280,025 bytes")
                .contains("max.request.size of 1,048,576")
                .contains("use at most 333 samples per record or dtype uint8");
    }

    @Test
    void producerPropertiesAreIdempotentLz4AndUserOverridable() {
        Properties p =
                DatasetProducer.kafkaProperties(
                        ProducerSettings.builder()
                                .setBootstrapServers("localhost:9092")
                                .setTopic("t")
                                .setProperty("linger.ms", "100")
                                .build());

        assertThat(p)
                .containsEntry("enable.idempotence", "true")
                .containsEntry("acks", "all")
                .containsEntry("compression.type", "lz4")
                .containsEntry("linger.ms", "100");
        assertThatThrownBy(() -> ProducerSettings.builder().setProperty("bootstrap.servers", "x"))
                .hasMessageContaining("use setBootstrapServers");
    }

    @Test
    void progressBarShowsPercentRateAndEta() {
        Progress p = new Progress(30_000, 60_000, 30_000, Duration.ofSeconds(2));

        assertThat(p.samplesPerSecond()).isEqualTo(15_000);
        assertThat(p.eta()).isEqualTo(Duration.ofSeconds(2));
        assertThat(ProgressBar.render("fm", p))
                .isEqualTo(
                        "fm [###############---------------]  50.0%  30,000/60,000 samples  15,000"
                                + " samples/s  ETA 0:02");
        assertThat(ProgressBar.clock(Duration.ofSeconds(3725))).isEqualTo("1:02:05");
        assertThat(new Progress(0, 10, 0, Duration.ZERO).eta()).isNull();
    }

    /** A real JVM: the exit code, and the install command for a data set that is not there. */
    @Test
    void mainExitsWith3AndPrintsTheInstallCommandWhenTheDataIsMissing(@TempDir Path empty)
            throws Exception {
        Result r = java(empty, "--data", "mnist", "--quiet");

        assertThat(r.exit).isEqualTo(3);
        assertThat(r.output)
                .contains("data set 'mnist' is not installed in " + empty)
                .contains(Datasets.MNIST.installCommand());

        assertThat(java(empty, "--bogus").exit).isEqualTo(2);
    }

    private record Result(int exit, String output) {}

    private static Result java(Path mnistDir, String... extra) throws Exception {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(DatasetProducer.class.getName());
        cmd.addAll(List.of(REQUIRED));
        cmd.addAll(List.of(extra));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("PRUNESTREAM_MNIST_DIR", mnistDir.toString());
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
        return new Result(p.exitValue(), output);
    }
}
