package io.prunestream.apps;

import io.prunestream.apps.bench.CheckpointBench;
import io.prunestream.apps.bench.InferenceBenchmark;
import io.prunestream.apps.bench.StreamingBenchmark;
import io.prunestream.apps.bench.TrainingBenchmark;
import io.prunestream.apps.chaos.ChaosCommand;
import io.prunestream.apps.demo.Demo;
import io.prunestream.apps.experiment.ContinuousCommand;
import io.prunestream.apps.experiment.Table1Command;
import io.prunestream.apps.inspect.InspectCommand;
import io.prunestream.apps.job.JobCommand;
import io.prunestream.apps.produce.ProduceCommand;
import io.prunestream.apps.soak.Soak;
import io.prunestream.core.config.UsageException;
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
 * input (an option picocli rejects, or a {@link UsageException}: one line on stderr naming the
 * option, key, file or topic and the fix), 1 a bug (with its stack trace), anything else as the
 * program says.
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
            ContinuousCommand.class,
            TrainingBenchmark.class,
            InferenceBenchmark.class,
            StreamingBenchmark.class,
            ProduceCommand.class,
            JobCommand.class,
            ChaosCommand.class,
            CheckpointBench.class,
            Soak.class,
            InspectCommand.class
        })
public final class Main implements Callable<Integer> {
    @Spec CommandSpec spec;

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }

    /**
     * The command line every program runs under: no {@code @file} expansion (job values are passed
     * as they are); bad input, whether picocli finds it or the program does ({@link
     * UsageException}), prints {@code prunestream <command>: <message>} as one line and exits 2;
     * any other exception is a bug and exits 1 with its stack trace.
     */
    public static CommandLine commandLine() {
        return new CommandLine(new Main())
                .setExpandAtFiles(false)
                .setParameterExceptionHandler(
                        (e, args) -> {
                            CommandLine line = e.getCommandLine();
                            String name = line.getCommandSpec().qualifiedName();
                            line.getErr()
                                    .println(
                                            name
                                                    + ": "
                                                    + oneLine(e.getMessage())
                                                    + " (see "
                                                    + name
                                                    + " --help)");
                            return CommandLine.ExitCode.USAGE;
                        })
                .setExecutionExceptionHandler(
                        (e, line, parsed) -> {
                            if (e instanceof UsageException) {
                                line.getErr()
                                        .println(
                                                line.getCommandSpec().qualifiedName()
                                                        + ": "
                                                        + oneLine(e.getMessage()));
                                return CommandLine.ExitCode.USAGE;
                            }
                            throw e;
                        });
    }

    /** A message as one line, so that a usage error is always one line on stderr. */
    static String oneLine(String message) {
        return message == null ? "" : message.strip().replaceAll("\\s*\\R\\s*", " ");
    }

    @Override
    public Integer call() {
        throw new ParameterException(
                spec.commandLine(),
                "no command given: name one of " + String.join(", ", spec.subcommands().keySet()));
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
