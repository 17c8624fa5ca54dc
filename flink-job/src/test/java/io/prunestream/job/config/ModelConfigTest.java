package io.prunestream.job.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.config.UsageException;
import io.prunestream.core.nn.InputShape;
import io.prunestream.core.nn.ModelFile;
import io.prunestream.core.nn.ModelSpec;
import io.prunestream.job.ModelFixtures;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.flink.configuration.Configuration;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * prune.model as a file: read when the job is checked, its input shape and classes taken or
 * checked, warm-up 0 unless set; every refusal is one line naming the key and both values.
 */
class ModelConfigTest {
    @TempDir Path tmp;

    private static Configuration conf(String yaml) {
        return JobConfig.fromYaml("eval.dataset: none\n" + yaml);
    }

    private static void refused(ThrowingCallable call, String... parts) {
        assertThatThrownBy(call)
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("\n").contains(parts));
    }

    @Test
    void aModelFileGivesTheShapeAndClassesAndStartsWithoutWarmup() {
        Configuration c =
                conf(
                        """
                        prune.runs: a;b
                        prune.model: %s
                        prune.run.b.warmup: 5
                        """
                                .formatted(ModelFixtures.MLP));
        JobSettings s = JobConfig.checkedSettings(c);
        assertThat(s.sampleShape()).isEqualTo(InputShape.vector(32));
        assertThat(s.classes()).isEqualTo(4);
        var a = s.run("a").spec();
        assertThat(a.model())
                .isEqualTo(
                        new ModelFile(
                                ModelFixtures.MLP.toString(), "onnx", InputShape.vector(32), 4));
        assertThat(a.parameters()).containsEntry("warmup", 0L);
        assertThat(s.run("b").spec().parameters()).containsEntry("warmup", 5L);
        // a Keras file is read by content as well
        var keras =
                JobConfig.checkedSettings(
                        conf("prune.model: " + ModelFixtures.DIR.resolve("keras_cnn.h5")));
        assertThat(keras.runs().get(0).spec().model())
                .isInstanceOfSatisfying(
                        ModelFile.class,
                        f -> {
                            assertThat(f.format()).isEqualTo("keras");
                            assertThat(f.input()).isEqualTo(InputShape.MNIST);
                            assertThat(f.classes()).isEqualTo(10);
                        });
        // a built-in network keeps its warm-up
        var builtIn = JobConfig.checkedSettings(conf("prune.runs: c")).run("c").spec();
        assertThat(builtIn.model()).isInstanceOf(ModelSpec.class);
        assertThat(builtIn.parameters()).containsEntry("warmup", 600L);
    }

    @Test
    void aShapeOrClassesThatDoNotFitTheFileStopTheJobInOneLine() {
        refused(
                () ->
                        JobConfig.checkedSettings(
                                conf(
                                        "prune.model: %s\ndata.sample-shape: 3,32,32"
                                                .formatted(ModelFixtures.RESNET20))),
                "config key 'prune.model'",
                "resnet20.onnx takes input 1x28x28",
                "data.sample-shape is 3x32x32",
                "data.sample-shape: 1,28,28");
        refused(
                () ->
                        JobConfig.checkedSettings(
                                conf(
                                        "prune.runs: r\nprune.run.r.model: %s\ndata.classes: 10"
                                                .formatted(ModelFixtures.MLP))),
                "config key 'prune.run.r.model'",
                "has 4 classes",
                "data.classes is 10");
        refused(
                () ->
                        JobConfig.checkedSettings(
                                conf(
                                        "prune.runs: a;b\nprune.run.a.model: %s\nprune.run.b.model: %s"
                                                .formatted(
                                                        ModelFixtures.MLP,
                                                        ModelFixtures.RESNET20))),
                "config key 'prune.run.b.model'",
                "takes input 1x28x28",
                "run 'a''s model takes 32");
    }

    @Test
    void aMissingOrUnreadableFileStopsTheJobInOneLine() throws Exception {
        String missing = tmp.resolve("nope.onnx").toString();
        refused(
                () -> JobConfig.checkedSettings(conf("prune.model: " + missing)),
                "config key 'prune.model' is '" + missing + "'",
                "neither a built-in network",
                "nor an existing model file");
        Path junk = Files.writeString(tmp.resolve("junk.onnx"), "not a model");
        refused(
                () -> JobConfig.checkedSettings(conf("prune.model: " + junk)),
                "config key 'prune.model'",
                junk + ": not a model file");
        refused(
                () -> JobConfig.checkedSettings(conf("prune.model: s3://bucket/m.onnx")),
                "only local paths and file: URIs");
        // a file: URI is a path
        JobSettings s =
                JobConfig.checkedSettings(conf("prune.model: " + ModelFixtures.RESNET20.toUri()));
        assertThat(s.runs().get(0).spec().model().imported()).isTrue();
    }

    @Test
    void featureVectorsNeedAModelFileAndAFittingHeldOutSet() throws Exception {
        refused(
                () -> JobConfig.checkedSettings(conf("data.sample-shape: 32")),
                "config key 'prune.model' is 'small-cnn', a built-in image network",
                "data.sample-shape is 32");
        refused(
                () ->
                        JobConfig.checkedSettings(
                                JobConfig.fromYaml("prune.model: " + ModelFixtures.MLP)),
                "config key 'eval.dataset' is 'fashion-mnist' (1x28x28 images)",
                "the samples are 32");
        Path csv = Files.writeString(tmp.resolve("held.csv"), "1,2,0\n3,4,1\n");
        refused(
                () ->
                        JobConfig.checkedSettings(
                                JobConfig.fromYaml(
                                        "prune.model: %s\neval.dataset: csv:%s"
                                                .formatted(ModelFixtures.MLP, csv))),
                "its rows have 2 features, but a sample of 32 has 32 values");
        refused(
                () ->
                        JobConfig.checkedSettings(
                                conf(
                                        "prune.model: %s\ndata.normalize: 0.1,0.2/1,1"
                                                .formatted(ModelFixtures.RESNET20))),
                "config key 'data.normalize' is '0.1,0.2/1,1'",
                "2 means/stds for samples of 1x28x28, which have 1 channel");
        assertThat(UsageException.class).isAssignableTo(IllegalArgumentException.class);
    }
}
