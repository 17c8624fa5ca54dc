package io.prunestream.apps.produce;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.apps.Main;
import io.prunestream.connectors.producer.DataShift;
import io.prunestream.connectors.producer.ProducerSettings;
import io.prunestream.connectors.producer.Progress;
import io.prunestream.connectors.record.DType;
import io.prunestream.core.data.CsvFile;
import io.prunestream.core.data.Datasets;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ./prunestream produce} without a broker: every bad input fails before connecting. */
class ProduceCommandTest {
    private static final String[] REQUIRED = {"--bootstrap-servers", "127.0.0.1:1", "--topic", "t"};

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    /** {@code Main produce REQUIRED extra}, in this JVM; returns the exit code. */
    private int run(String... extra) {
        out.getBuffer().setLength(0);
        err.getBuffer().setLength(0);
        List<String> args = new ArrayList<>(List.of("produce"));
        args.addAll(List.of(REQUIRED));
        args.addAll(List.of(extra));
        return Main.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args.toArray(String[]::new));
    }

    @Test
    void parsesEveryOption() {
        ProduceCommand c =
                ProduceCommand.parse(
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
                        "--property",
                        "max.request.size = 4194304",
                        "--quiet");
        ProducerSettings s = c.settings();

        assertThat(s.bootstrapServers()).isEqualTo("localhost:9092");
        assertThat(s.topic()).isEqualTo("fm");
        assertThat(s.data()).isEqualTo(Datasets.MNIST);
        assertThat(s.split()).isEqualTo(Datasets.Split.TEST);
        assertThat(s.limit()).isEqualTo(1000);
        assertThat(s.rate()).isEqualTo(250.5);
        assertThat(s.samplesPerRecord()).isEqualTo(64);
        assertThat(s.key()).isEqualTo("run-1");
        assertThat(s.dtype()).isEqualTo(DType.FLOAT32);
        assertThat(s.producerProperties())
                .containsEntry("linger.ms", "50")
                .containsEntry("max.request.size", "4194304");
        assertThat(c.quiet()).isTrue();
    }

    @Test
    void defaultsAreFashionMnistTrainUint8OneSamplePerRecordWithABar() {
        ProduceCommand c = ProduceCommand.parse(REQUIRED);
        ProducerSettings s = c.settings();

        assertThat(s.data()).isEqualTo(Datasets.FASHION_MNIST);
        assertThat(s.split()).isEqualTo(Datasets.Split.TRAIN);
        assertThat(s.limit()).isEqualTo(Long.MAX_VALUE);
        assertThat(s.rate()).isZero();
        assertThat(s.samplesPerRecord()).isOne();
        assertThat(s.key()).isNull();
        assertThat(s.dtype()).isEqualTo(DType.UINT8);
        assertThat(s.producerProperties()).isEmpty();
        assertThat(c.quiet()).isFalse();
    }

    @Test
    void csvDataIsFloat32FeatureVectorsWithAChosenLabelColumn(@TempDir Path dir) {
        String file = dir.resolve("rows.csv").toString();
        ProducerSettings s =
                ProduceCommand.parse(
                                "--bootstrap-servers=localhost:9092",
                                "--topic",
                                "rows",
                                "--data",
                                "csv:" + file,
                                "--label-column",
                                "0")
                        .settings();
        assertThat(s.data()).isEqualTo(CsvFile.of(file).withLabelColumn(0));
        assertThat(s.dtype()).isEqualTo(DType.FLOAT32);
        // the label is the last column unless told
        assertThat(
                        ProduceCommand.parse(
                                        REQUIRED[0],
                                        REQUIRED[1],
                                        "--topic",
                                        "t",
                                        "--data",
                                        "csv:x.csv")
                                .settings()
                                .data())
                .isEqualTo(CsvFile.of("x.csv"));

        assertThat(run("--data", "csv:" + file, "--dtype", "uint8")).isEqualTo(2);
        assertThat(err.toString()).contains("csv:" + file + " holds float features");
        assertThat(run("--label-column", "3")).isEqualTo(2);
        assertThat(err.toString()).contains("--label-column is for csv:FILE data");
        assertThat(run("--data", "cifar")).isEqualTo(2);
        assertThat(err.toString()).contains("fashion-mnist, mnist or csv:FILE");
    }

    @Test
    void badOptionsExitWith2AndSayWhatIsWrong() {
        assertThat(run("--frobnicate")).isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option: '--frobnicate'");

        assertThat(run("--limit", "abc")).isEqualTo(2);
        assertThat(err.toString())
                .contains("Invalid value for option '--limit'")
                .contains("'abc' is not a whole number");

        // the settings' own checks, through the command
        assertThat(run("--limit", "0")).isEqualTo(2);
        assertThat(err.toString()).contains("limit is 0, expected >= 1");

        assertThat(run("--rate", "-5")).isEqualTo(2);
        assertThat(err.toString()).contains("rate is -5.0");

        assertThat(run("--dtype", "int8")).isEqualTo(2);
        assertThat(err.toString())
                .contains("'--dtype'")
                .contains("unknown dtype 'int8': use uint8 or float32");

        assertThat(run("--split", "validation")).isEqualTo(2);
        assertThat(err.toString())
                .contains("'--split'")
                .contains("'validation' is not a split: use train or test");

        assertThat(run("--data", "cifar10")).isEqualTo(2);
        assertThat(err.toString()).contains("'--data'").contains("unknown data set 'cifar10'");

        assertThat(run("--samples-per-record", "70000")).isEqualTo(2);
        assertThat(err.toString()).contains("samples per record is 70000, expected 1..65535");

        assertThat(run("--samples-per-record", "9999999999")).isEqualTo(2);
        assertThat(err.toString())
                .contains("'--samples-per-record'")
                .contains("out of range, expected 1..65535");

        assertThat(run("--property", "linger.ms")).isEqualTo(2);
        assertThat(err.toString()).contains("'--property'").contains("KEY=VALUE");

        assertThat(run("--property", "bootstrap.servers=x")).isEqualTo(2);
        assertThat(err.toString()).contains("the producer sets it itself");

        assertThat(run("--key")).isEqualTo(2);
        assertThat(err.toString()).contains("Missing required parameter for option '--key'");

        assertThat(run("--quiet=yes")).isEqualTo(2);
        assertThat(err.toString()).contains("--quiet");

        assertThat(run("--shift", "rotate45")).isEqualTo(2);
        assertThat(err.toString())
                .contains("'--shift'")
                .contains("use rotate90, noise:SIGMA (e.g. noise:0.3) or classes:A-B");

        assertThat(run("--after", "100")).isEqualTo(2);
        assertThat(err.toString()).contains("--after 100 needs --shift");
    }

    @Test
    void aShiftStartsAfterTheGivenSamples() {
        var s =
                ProduceCommand.parse(
                                "--bootstrap-servers",
                                "localhost:9092",
                                "--topic",
                                "t",
                                "--shift",
                                "rotate90",
                                "--after",
                                "3000")
                        .settings();
        assertThat(s.shift()).isEqualTo(new DataShift.Rotate90());
        assertThat(s.shiftAfter()).isEqualTo(3000);
        assertThat(
                        ProduceCommand.parse(
                                        "--bootstrap-servers",
                                        "h:1",
                                        "--topic",
                                        "t",
                                        "--shift",
                                        "classes:0-4")
                                .settings()
                                .shift())
                .isEqualTo(new DataShift.Classes(0, 4));
    }

    @Test
    void missingRequiredOptionsAreNamed() {
        StringWriter e = new StringWriter();
        int exit =
                Main.commandLine()
                        .setErr(new PrintWriter(e, true))
                        .execute("produce", "--topic", "t");
        assertThat(exit).isEqualTo(2);
        assertThat(e.toString())
                .contains("Missing required option: '--bootstrap-servers=HOST:PORT'");

        e.getBuffer().setLength(0);
        exit =
                Main.commandLine()
                        .setErr(new PrintWriter(e, true))
                        .execute("produce", "--bootstrap-servers", "localhost:9092");
        assertThat(exit).isEqualTo(2);
        assertThat(e.toString()).contains("Missing required option: '--topic=TOPIC'");
    }

    @Test
    void helpListsEveryOptionWithItsDefault() {
        StringWriter o = new StringWriter();
        int exit = Main.commandLine().setOut(new PrintWriter(o, true)).execute("produce", "--help");

        assertThat(exit).isZero();
        assertThat(o.toString())
                .contains("--samples-per-record=K")
                .contains("(default: 1)")
                .contains("--data=fashion-mnist|mnist|csv:FILE")
                .contains("(default: fashion-mnist)")
                .contains("--label-column=N")
                .contains("--dtype=uint8|float32")
                .contains("(default: uint8 for images,")
                .contains("--property=KEY=VALUE")
                .contains("--quiet")
                .contains("3   data set not installed");
    }

    @Test
    void recordsOverMaxRequestSizeAreRefusedBeforeConnecting() {
        // the data set is read first: Fashion-MNIST is a test prerequisite
        assertThat(run("--samples-per-record", "2000", "--dtype", "float32", "--quiet"))
                .isEqualTo(2);
        assertThat(err.toString())
                .contains("produce: samples per record 2000")
                .contains("use at most 333 samples per record or dtype uint8");
    }

    /** The library's reports drive the bar; off a terminal it prints plain lines. */
    @Test
    void progressBarShowsSamplesRateAndPercentWithoutATerminal() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (ProducerProgressBar bar =
                new ProducerProgressBar(
                        "fashion-mnist/train -> t",
                        60_000,
                        new PrintStream(bytes, true, StandardCharsets.UTF_8),
                        false)) {
            bar.accept(new Progress(30_000, 60_000, 30_000, Duration.ofSeconds(2)));
            bar.accept(new Progress(60_000, 60_000, 60_000, Duration.ofSeconds(4)));
            // a report after the end draws nothing more
            bar.accept(new Progress(60_000, 60_000, 60_000, Duration.ofSeconds(5)));
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();

        assertThat(lines).isNotEmpty().allMatch(l -> !l.contains("\r"));
        assertThat(lines.get(lines.size() - 1))
                .startsWith("fashion-mnist/train -> t 100%")
                .contains(" 60000/60000 samples (")
                .endsWith(" samples/s")
                .hasSizeLessThanOrEqualTo(120);
        assertThat(lines).doesNotHaveDuplicates();
    }

    /** A real JVM through the entry point: the exit code and the install command. */
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
        cmd.add(Main.class.getName());
        cmd.add("produce");
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
