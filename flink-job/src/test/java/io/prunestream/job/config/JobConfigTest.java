package io.prunestream.job.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.group.GroupScope;
import io.prunestream.core.run.RunSettings;
import io.prunestream.core.schedule.Granularity;
import io.prunestream.core.schedule.PruningMethod;
import io.prunestream.job.PruneJob;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {

    @Test
    void yamlFileWithPerRunOverridesAndCommandLineWins(@TempDir Path dir) throws Exception {
        Path yaml = dir.resolve("job.yaml");
        Files.writeString(
                yaml,
                """
                kafka:
                  bootstrap-servers: broker:9092
                prune:
                  runs: [r50, r90]
                  method: greg2
                  ratios: 0.5
                  run:
                    r90:
                      ratios: 0.9
                      granularity: weight
                      groups: coupled
                """);
        Configuration c =
                JobConfig.fromArgs(
                        new String[] {
                            "--config",
                            yaml.toString(),
                            "--prune.batch-size",
                            "32",
                            "-Dprune.run.r50.method=greg1"
                        });
        assertThat(c.get(PruneOptions.BOOTSTRAP_SERVERS)).isEqualTo("broker:9092");
        List<RunSettings> runs = JobConfig.runs(c);
        assertThat(runs).extracting(RunSettings::id).containsExactly("r50", "r90");
        assertThat(runs.get(0).spec().schedule().method()).isEqualTo(PruningMethod.GREG1);
        assertThat(runs.get(1).spec().schedule().method()).isEqualTo(PruningMethod.GREG2);
        assertThat(runs.get(1).spec().ratios().defaultRatio()).isEqualTo(0.9);
        assertThat(runs.get(1).spec().granularity()).isEqualTo(Granularity.WEIGHT);
        assertThat(runs.get(0).spec().batchSize()).isEqualTo(32);
        assertThat(runs.get(0).spec().groups()).isEqualTo(GroupScope.INNER);
        assertThat(runs.get(1).spec().groups()).isEqualTo(GroupScope.COUPLED);
    }

    @Test
    void errorsNameTheKeyTheValueAndTheFix() {
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--prune.ratio", "0.5"}))
                .hasMessageContaining("prune.ratio")
                .hasMessageContaining("did you mean 'prune.ratios'");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--prune.batch-size", "many"}))
                .hasMessageContaining("prune.batch-size")
                .hasMessageContaining("many");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--prune.run.r7.ratios", "0.5"}))
                .hasMessageContaining("prune.run.r7.ratios")
                .hasMessageContaining("prune.runs");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--prune.ratios", "1.5"}))
                .hasMessageContaining("must be in [0, 1)");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--data.sample-shape", "28x28"}))
                .hasMessageContaining("data.sample-shape")
                .hasMessageContaining("channels,height,width");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--prune.groups", "outer"}))
                .hasMessageContaining("prune.groups")
                .hasMessageContaining("outer")
                .hasMessageContaining("inner (")
                .hasMessageContaining("or coupled (");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--prune.method", "greg3"}))
                .hasMessageContaining("greg3")
                .hasMessageContaining("greg1, greg2, oneshot-l1, none");
    }

    /** A continuous run's bad combinations fail at start, each naming its key. */
    @Test
    void continuousRunsRefuseBadCombinationsByKey() {
        String[][] cases = {
            {"--prune.budget.accuracy-drop", "-1", "'prune.budget.accuracy-drop' is -1.0"},
            {"--prune.target.flops", "0.5", "'prune.target.flops' is 0.5"},
            {"--prune.target.ratio", "1.2", "'prune.target.ratio' is 1.2"},
            {"--prune.cycle.step", "1", "'prune.cycle.step' is 1.0"},
            {"--prune.cycle.finetune", "0", "'prune.cycle.finetune' is 0"},
            {"--prune.method", "oneshot-l1", "'prune.method' is oneshot-l1"},
            {"--prune.method", "none", "'prune.method' is none"},
            {"--prune.granularity", "weight", "'prune.granularity' is weight"},
            {"--prune.eval.interval", "0", "'prune.eval.interval' is 0"},
            {"--eval.dataset", "none", "'prune.schedule' is continuous"},
            {"--prune.cycle.on-breach", "retry", "prune.cycle.on-breach"},
        };
        for (String[] c : cases) {
            assertThatThrownBy(
                            () ->
                                    JobConfig.fromArgs(
                                            new String[] {
                                                "--prune.schedule", "continuous", c[0], c[1]
                                            }))
                    .as("%s %s", c[0], c[1])
                    .hasMessageContaining(c[2]);
        }
        assertThatThrownBy(
                        () ->
                                JobConfig.fromArgs(
                                        new String[] {
                                            "--eval.source", "stream", "--eval.holdout", "0"
                                        }))
                .hasMessageContaining("'eval.holdout' is 0.0");
        assertThatThrownBy(() -> JobConfig.fromArgs(new String[] {"--eval.window", "0"}))
                .hasMessageContaining("'eval.window' is 0");
        // a once run ignores the cycle keys; a continuous one with a stream source is fine
        var s =
                JobConfig.fromArgs(
                        new String[] {
                            "--prune.runs", "c;o",
                            "--prune.run.c.schedule", "continuous",
                            "--eval.source", "stream",
                            "--eval.dataset", "none"
                        });
        var settings = JobConfig.checkedSettings(s);
        assertThat(settings.run("c").continuous()).isTrue();
        assertThat(settings.run("o").continuous()).isFalse();
        assertThat(settings.run("c").evaluation().streamWindow()).isEqualTo(1000);
        assertThat(settings.eval().holdout()).isEqualTo(0.05);
    }

    @Test
    void yamlTextReadsAsTheConfigFileDoes() {
        Configuration c =
                JobConfig.fromYaml(
                        """
                        prune:
                          warmup: 4
                        prune.penalty.delta: 0.25
                        prune.runs: a;b
                        """);
        assertThat(c.getString("prune.warmup", null)).isEqualTo("4");
        assertThat(c.getString("prune.penalty.delta", null)).isEqualTo("0.25");
        assertThat(JobConfig.checkedSettings(c).runs()).hasSize(2);
        assertThatThrownBy(() -> JobConfig.fromYaml("- a list"))
                .hasMessageContaining("must be a YAML mapping");
    }

    /**
     * On a cluster the job's defaults for Flink's keys give way to the cluster's configuration;
     * keys the user sets for the job win over both; the local launcher (no cluster) gets them all.
     * FirstDeployITCase checks the same on a real cluster through its REST API.
     */
    @Test
    void theClustersFlinkSettingsWinOverTheJobsDefaults() {
        Configuration cluster = new Configuration();
        cluster.setString("state.backend.type", "rocksdb");
        cluster.setString("execution.checkpointing.dir", "file:///flink-data/checkpoints");
        cluster.setString("restart-strategy.type", "exponential-delay");
        Configuration user =
                JobConfig.fromYaml(
                        """
                        output.dir: /models
                        prune.checkpoint.interval: 5 s
                        execution.checkpointing.savepoint-dir: file:///job/savepoints
                        """);

        Configuration onCluster = JobConfig.withFlinkDefaults(user, cluster);
        assertThat(onCluster.toMap())
                .doesNotContainKeys(
                        "state.backend.type",
                        "execution.checkpointing.dir",
                        "restart-strategy.type",
                        "restart-strategy.failure-rate.delay")
                .containsEntry("execution.checkpointing.savepoint-dir", "file:///job/savepoints")
                .containsEntry("execution.checkpointing.interval", "5 s")
                .containsEntry("execution.checkpointing.timeout", "3 min")
                .containsEntry("execution.checkpointing.tolerable-failed-checkpoints", "3");

        Configuration local = JobConfig.withFlinkDefaults(user);
        assertThat(local.toMap())
                .containsEntry("state.backend.type", "hashmap")
                .containsEntry("execution.checkpointing.dir", "file:///models/checkpoints")
                .containsEntry("restart-strategy.type", "failure-rate")
                .containsEntry("execution.checkpointing.savepoint-dir", "file:///job/savepoints");
    }

    /** A configuration made in code (a program, a test) is checked as the command line is. */
    @Test
    void theJobRejectsATypoInAConfigurationMadeInCode() {
        Configuration conf = new Configuration();
        conf.setString("kafka.bootstrap-servers", "localhost:9092");
        conf.setString("prune.sides.batch-size", "16");
        assertThatThrownBy(
                        () ->
                                PruneJob.build(
                                        StreamExecutionEnvironment.getExecutionEnvironment(),
                                        conf,
                                        false))
                .hasMessageContaining("unknown config key 'prune.sides.batch-size'");
        Configuration fixed = new Configuration();
        fixed.setString("kafka.bootstrap-servers", "localhost:9092");
        fixed.setString("prune.batch-size", "16");
        assertThat(JobConfig.checkedSettings(fixed).runs().get(0).spec().batchSize()).isEqualTo(16);
    }

    @Test
    void readmeConfigurationTableListsEveryOption() throws Exception {
        String readme = Files.readString(Path.of("../README.md"));
        for (ConfigOption<?> o : JobConfig.allOptions()) {
            assertThat(readme).as("README documents %s", o.key()).contains("`" + o.key() + "`");
        }
        assertThat(readme).contains(ConfigDocs.markdown());
    }
}
