package io.prunestream.apps.serve;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.core.data.Datasets;
import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.run.PruningRun;
import io.prunestream.core.run.Publication;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.store.ModelStore;
import io.prunestream.job.config.JobConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringWriter;
import java.lang.reflect.InvocationTargetException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The README's "Serve the pruned model" Java examples, compiled as they stand in the README and run
 * against the version folder of a trained and pruned run, stored as the job stores it: each prints
 * the class probabilities DL4J computes for a Fashion-MNIST test image, within 1e-4.
 */
class ServeExamplesITCase {
    @TempDir Path tmp;

    @Test
    void theReadmesJavaExamplesServeAPrunedVersion() throws Exception {
        Path version = trainedAndPrunedVersion();
        assertThat(version.resolve("model.onnx")).isRegularFile();
        LabelledImages test = Datasets.FASHION_MNIST.load(Datasets.Split.TEST);
        float[] pixels = test.batch(0, 1).getFeatures().dup('c').data().asFloat();
        INDArray expected =
                ModelStore.load(version)
                        .network()
                        .output(Nd4j.create(pixels, new long[] {1, 1, 28, 28}, 'c'));
        String readme = Files.readString(readme());
        for (String example : List.of("serve:onnxruntime", "serve:dl4j")) {
            String printed = run(example, javaBlock(readme, example), version, pixels);
            float[] got = lastFloatList(printed);
            assertThat(got).as("%s printed %s", example, printed).hasSize(10);
            double delta = 0;
            for (int i = 0; i < got.length; i++) {
                delta = Math.max(delta, Math.abs(got[i] - expected.getFloat(0, i)));
            }
            System.out.printf("%s: max |delta| against DL4J %.2e%n", example, delta);
            assertThat(delta).as(example).isLessThan(1e-4);
        }
    }

    /** A small CNN trained on Fashion-MNIST until pruned (GReg-1, 50 %), its version stored. */
    private Path trainedAndPrunedVersion() {
        RunSettings settings =
                JobConfig.runs(
                                JobConfig.fromYaml(
                                        """
                                        prune.runs: r50
                                        prune.batch-size: 32
                                        prune.warmup: 4
                                        prune.penalty.delta: 0.5
                                        prune.penalty.stabilize: 2
                                        """))
                        .get(0);
        LabelledImages train = Datasets.FASHION_MNIST.load(Datasets.Split.TRAIN);
        PruningRun run = PruningRun.create(settings, tmp);
        int batch = settings.spec().batchSize();
        for (int i = 0; !run.trainer().isPruned() || i < 16; i++) {
            assertThat(i).as("steps before the run pruned").isLessThan(100);
            run.step(train.batch(i * batch, (i + 1) * batch), null);
        }
        Publication p = run.publish(null, true);
        assertThat(p.version().params()).isLessThan(p.version().baseParams());
        return ModelStore.save(
                Path.of(p.version().path()), p.model(), p.onnx(), p.version().report());
    }

    private static Path readme() {
        Path p = Path.of("..", "README.md");
        return Files.isRegularFile(p) ? p : Path.of("README.md");
    }

    /** The ```java block right after {@code <!-- marker -->}. */
    static String javaBlock(String readme, String marker) {
        Matcher m =
                Pattern.compile(
                                "<!-- " + Pattern.quote(marker) + " -->\\s*```java\\n(.*?)```",
                                Pattern.DOTALL)
                        .matcher(readme);
        assertThat(m.find()).as("README block %s", marker).isTrue();
        return m.group(1);
    }

    /** Compiles the example as the body of a method of (version, pixels), runs it, its output. */
    private String run(String name, String code, Path version, float[] pixels) throws Exception {
        List<String> imports = new ArrayList<>();
        List<String> body = new ArrayList<>();
        for (String line : code.split("\n")) {
            (line.startsWith("import ") ? imports : body).add(line);
        }
        String source =
                String.join("\n", imports)
                        + "\npublic class Example {\n"
                        + "public static void serve(String version, float[] pixels) throws"
                        + " Exception {\n"
                        + String.join("\n", body)
                        + "\n}\n}\n";
        Path dir = tmp.resolve(name.replace(':', '-'));
        Files.createDirectories(dir);
        Path file = dir.resolve("Example.java");
        Files.writeString(file, source);
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        StringWriter errors = new StringWriter();
        String classpath =
                System.getProperty(
                        "surefire.test.class.path", System.getProperty("java.class.path"));
        ByteArrayOutputStream diagnostics = new ByteArrayOutputStream();
        int rc =
                javac.run(
                        null,
                        diagnostics,
                        diagnostics,
                        "-cp",
                        classpath,
                        "-d",
                        dir.toString(),
                        file.toString());
        assertThat(rc).as("%s does not compile:%n%s%n%s", name, diagnostics, source).isZero();
        PrintStream out = System.out;
        ByteArrayOutputStream printed = new ByteArrayOutputStream();
        try (URLClassLoader loader =
                new URLClassLoader(new URL[] {dir.toUri().toURL()}, getClass().getClassLoader())) {
            System.setOut(new PrintStream(printed, true, StandardCharsets.UTF_8));
            loader.loadClass("Example")
                    .getMethod("serve", String.class, float[].class)
                    .invoke(null, version.toString(), pixels);
        } catch (InvocationTargetException e) {
            throw new AssertionError(name + " failed: " + e.getCause() + errors, e.getCause());
        } finally {
            System.setOut(out);
        }
        return printed.toString(StandardCharsets.UTF_8);
    }

    private static float[] lastFloatList(String printed) {
        Matcher m = Pattern.compile("\\[([-0-9.Ee, ]+)]").matcher(printed);
        String last = null;
        while (m.find()) {
            last = m.group(1);
        }
        assertThat(last).as("a list of numbers in %s", printed).isNotNull();
        String[] parts = last.split(",\\s*");
        float[] f = new float[parts.length];
        for (int i = 0; i < parts.length; i++) {
            f[i] = Float.parseFloat(parts[i].trim());
        }
        return f;
    }
}
