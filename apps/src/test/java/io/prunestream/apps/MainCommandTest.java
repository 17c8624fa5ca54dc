package io.prunestream.apps;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.apps.job.JobCommand;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/** The entry point's commands: help with defaults, bad options exit 2, the job's pass-through. */
class MainCommandTest {
    private static final List<String> COMMANDS =
            List.of(
                    "demo",
                    "experiment",
                    "experiment-continuous",
                    "bench-train",
                    "bench-infer",
                    "bench-stream",
                    "produce",
                    "job",
                    "chaos",
                    "bench-checkpoint",
                    "soak",
                    "inspect");

    private final StringWriter out = new StringWriter();
    private final StringWriter err = new StringWriter();

    private int run(String... args) {
        return Main.commandLine()
                .setOut(new PrintWriter(out, true))
                .setErr(new PrintWriter(err, true))
                .execute(args);
    }

    @Test
    void everyProgramIsACommand() {
        assertThat(Main.commandLine().getSubcommands().keySet())
                .containsExactlyInAnyOrderElementsOf(COMMANDS);
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "demo",
                "experiment",
                "experiment-continuous",
                "bench-train",
                "bench-infer",
                "bench-stream",
                "produce",
                "job",
                "chaos",
                "inspect"
            })
    void helpListsEveryOptionAndEveryValuedOptionsDefault(String command) {
        assertThat(run(command, "--help")).isZero();
        String help = out.toString();
        assertThat(help).startsWith("Usage: prunestream " + command).doesNotContain("${");
        CommandSpec spec = Main.commandLine().getSubcommands().get(command).getCommandSpec();
        for (OptionSpec o : spec.options()) {
            assertThat(help).as(command + " help").contains(o.longestName());
            boolean flag = o.typeInfo().isBoolean() || o.usageHelp() || o.versionHelp();
            if (!flag && !o.required() && !o.typeInfo().isMap()) {
                assertThat(String.join(" ", o.description()))
                        .as(command + " " + o.longestName())
                        .contains("(default: ");
            }
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "demo",
                "experiment",
                "bench-train",
                "bench-stream",
                "produce",
                "chaos",
                "bench-checkpoint",
                "soak",
                "inspect"
            })
    void anUnknownOptionExits2NamingIt(String command) {
        String[] required =
                switch (command) {
                    case "produce" -> new String[] {"--bootstrap-servers", "h:1", "--topic", "t"};
                    case "inspect" -> new String[] {"resnet"};
                    default -> new String[0];
                };
        assertThat(
                        run(
                                Stream.concat(
                                                Stream.of(command, "--no-such-option", "1"),
                                                Stream.of(required))
                                        .toArray(String[]::new)))
                .isEqualTo(2);
        assertThat(err.toString()).contains("Unknown option").contains("'--no-such-option'");
    }

    @Test
    void aBadValueExits2NamingTheOption() {
        assertThat(run("bench-train", "--rounds", "three")).isEqualTo(2);
        assertThat(err.toString()).contains("Invalid value for option '--rounds': 'three'");
    }

    @Test
    void noCommandExits2WithTheCommandList() {
        assertThat(run()).isEqualTo(2);
        assertThat(err.toString()).contains("no command given").contains("bench-stream");
    }

    /** The job's own configuration goes to its parser unchanged: its bad key is its message. */
    @Test
    void jobConfigurationIsTheJobsToCheck() {
        assertThat(run("job", "--prune.no-such-key", "1")).isEqualTo(2);
        assertThat(err.toString()).contains("prune.no-such-key");
    }

    @Test
    void jobResumeTakesAnOptionalPathAndLeavesTheRestToTheJob() {
        JobCommand c = parseJob("--resume", "--bootstrap-servers", "h:9092", "-Dprune.runs=a;b");
        assertThat(c).extracting("resume").isEqualTo("");
        assertThat(c)
                .extracting("configuration")
                .asList()
                .containsExactly("--bootstrap-servers", "h:9092", "-Dprune.runs=a;b");

        c =
                parseJob(
                        "--kafka.topic",
                        "t",
                        "--resume",
                        "/runs/x/chk-3",
                        "--prune.penalty.recover",
                        "-1e-4",
                        "--config",
                        "@job.yaml");
        assertThat(c).extracting("resume").isEqualTo("/runs/x/chk-3");
        assertThat(c)
                .extracting("configuration")
                .asList()
                .containsExactly(
                        "--kafka.topic",
                        "t",
                        "--prune.penalty.recover",
                        "-1e-4",
                        "--config",
                        "@job.yaml");

        c = parseJob("--bootstrap-servers=h:9092", "--resume=/p");
        assertThat(c).extracting("resume").isEqualTo("/p");
        assertThat(c)
                .extracting("configuration")
                .asList()
                .containsExactly("--bootstrap-servers=h:9092");

        c = parseJob("--resume", "-Dprune.runs=a");
        assertThat(c).extracting("resume").isEqualTo("");
        assertThat(c).extracting("configuration").asList().containsExactly("-Dprune.runs=a");

        assertThat(parseJob("--output.dir", "o")).extracting("resume").isNull();
    }

    private static JobCommand parseJob(String... args) {
        CommandLine cl = Main.commandLine();
        String[] all = new String[args.length + 1];
        all[0] = "job";
        System.arraycopy(args, 0, all, 1, args.length);
        return (JobCommand) cl.parseArgs(all).subcommand().commandSpec().userObject();
    }
}
