package io.prunestream.apps;

import io.prunestream.apps.bench.CheckpointBench;
import io.prunestream.apps.bench.StreamingBenchmark;
import io.prunestream.apps.bench.TrainingBenchmark;
import io.prunestream.apps.chaos.ChaosCommand;
import io.prunestream.apps.demo.Demo;
import io.prunestream.apps.experiment.Table1Command;
import io.prunestream.apps.job.JobCommand;
import io.prunestream.apps.produce.ProduceCommand;
import io.prunestream.apps.soak.Soak;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;

/**
 * The one entry point of {@code ./prunestream}: {@code Main <command> [options]}. Each program is a
 * picocli subcommand with typed options and generated {@code --help}. Exit codes: 0 done, 2 bad
 * options or values (picocli's message names the option, or the program's says what to change),
 * anything else as the program says.
 */
@Command(
        name = "prunestream",
        scope = ScopeType.INHERIT, // help, version and layout hold for every subcommand
        mixinStandardHelpOptions = true,
        sortOptions = false,
        versionProvider = Main.Version.class,
        usageHelpWidth = 100,
        description = "Prunes neural nets with growing regularization while they train on Kafka.",
        subcommands = {
            Demo.class,
            Table1Command.class,
            TrainingBenchmark.class,
            StreamingBenchmark.class,
            ProduceCommand.class,
            JobCommand.class,
            ChaosCommand.class,
            CheckpointBench.class,
            Soak.class
        })
public final class Main implements Callable<Integer> {
    @Spec CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line every program runs under: no {@code @file} expansion (job values are passed
     * as they are), and a bad value found while running ({@link IllegalArgumentException}) prints
     * {@code <command>: <message>} and exits 2, without a stack trace.
     */
    public static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setExpandAtFiles(false)
                .setExecutionExceptionHandler(
                        (e, line, parsed) -> {
                            if (e instanceof IllegalArgumentException) {
                                line.getErr()
                                        .println(line.getCommandName() + ": " + e.getMessage());
                                return CommandLine.ExitCode.USAGE;
                            }
                            throw e;
                        });
    }

    @Override
    public Integer call() {
        throw new ParameterException(
                spec.commandLine(), "no command given: name one of the commands below");
    }

    /** The build's version where the jar says it, else "development build". */
    public static final class Version implements IVersionProvider {
        @Override
        public String[] getVersion() {
            String v = Main.class.getPackage().getImplementationVersion();
            return new String[] {"prunestream " + (v == null ? "(development build)" : v)};
        }
    }
}
