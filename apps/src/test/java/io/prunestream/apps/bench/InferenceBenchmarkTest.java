package io.prunestream.apps.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.apps.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * bench-infer end to end on the small CNN (DL4J and ONNX Runtime; PyTorch left out so the test
 * needs no Python): one row per network with samples/s and speed-ups beside the FLOPs speed-up
 * counted by NetworkCost; a bad option is one line and status 2.
 */
class InferenceBenchmarkTest {

    @Test
    void measuresEveryNetworkInEveryRuntimeBesideItsFlopsSpeedup() {
        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        int status;
        try {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            status =
                    Main.commandLine()
                            .execute(
                                    "bench-infer",
                                    "--models",
                                    "small-cnn",
                                    "--ratios",
                                    "0.5,0.9",
                                    "--batch",
                                    "2",
                                    "--rounds",
                                    "1",
                                    "--seconds",
                                    "0.05",
                                    "--python",
                                    "/nonexistent/python3");
        } finally {
            System.setOut(out);
        }
        String s = printed.toString(StandardCharsets.UTF_8);
        System.out.println(s);
        assertThat(status).isZero();
        assertThat(s)
                .contains("PyTorch: not available")
                .contains(
                        "| model | batch | network | FLOPs | FLOPs speed-up | DL4J samples/s | DL4J"
                                + " speed-up | ONNX Runtime samples/s | ONNX Runtime speed-up |")
                .containsPattern(
                        "\\| small-cnn \\| 2 \\| unpruned \\| 3,988,480 \\| — \\| [\\d,]+ \\| — \\|")
                // the authors' FLOPs at 50 % and 90 % of conv2/conv3 filters (README, Table 1)
                .containsPattern(
                        "\\| small-cnn \\| 2 \\| r=0.5 \\| 1,656,832 \\| 2.41× \\| [\\d,]+ \\|"
                                + " [\\d.]+× ")
                .containsPattern(
                        "\\| small-cnn \\| 2 \\| r=0.9 \\| 427,396 \\| 9.33× \\| [\\d,]+ \\|"
                                + " [\\d.]+× ");
    }

    @Test
    void anUnknownModelIsOneLineAndStatusTwo() {
        StringWriter err = new StringWriter();
        int status =
                Main.commandLine()
                        .setErr(new PrintWriter(err, true))
                        .execute("bench-infer", "--models", "vgg17");
        assertThat(status).isEqualTo(2);
        assertThat(err.toString().strip())
                .startsWith("prunestream bench-infer: --models: VGG depth must be 11, 13, 16 or 19")
                .doesNotContain("\n");
    }

    @Test
    void aRatioOutsideZeroToOneIsOneLineAndStatusTwo() {
        StringWriter err = new StringWriter();
        int status =
                Main.commandLine()
                        .setErr(new PrintWriter(err, true))
                        .execute("bench-infer", "--ratios", "1.5");
        assertThat(status).isEqualTo(2);
        assertThat(err.toString().strip())
                .isEqualTo("prunestream bench-infer: --ratios: 1.5 is not in (0, 1); e.g. 0.5,0.9");
    }
}
