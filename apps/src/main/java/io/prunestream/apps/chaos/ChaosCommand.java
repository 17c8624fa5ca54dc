package io.prunestream.apps.chaos;

import io.prunestream.testing.LocalFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code ./prunestream chaos}: {@link Chaos}'s full scenario, or a smaller one. */
@Command(
        name = "chaos",
        description = {
            "The crash-proof scenario: the job in a child JVM killed three times with SIGKILL and"
                    + " resumed, the broker stopped once; prints each check and its figure. Exits"
                    + " 0 when every check holds, 1 otherwise."
        })
public final class ChaosCommand implements Callable<Integer> {
    private static final Chaos.Settings FULL = Chaos.Settings.full(Path.of("runs", "chaos"));

    @Option(
            names = "--samples",
            paramLabel = "N",
            description = "Valid samples streamed (default: ${DEFAULT-VALUE}).")
    int samples = FULL.samples();

    @Option(
            names = "--malformed",
            paramLabel = "N",
            description = "Malformed records streamed with them (default: ${DEFAULT-VALUE}).")
    int malformed = FULL.malformed();

    @Option(
            names = "--outage-seconds",
            paramLabel = "S",
            description = "How long the broker is stopped (default: ${DEFAULT-VALUE}).")
    long outageSeconds = FULL.outage().toSeconds();

    @Option(
            names = "--out",
            paramLabel = "DIR",
            description = "Work folder, emptied first (default: ${DEFAULT-VALUE}).")
    Path out = FULL.workDir();

    @Override
    public Integer call() throws Exception {
        Chaos.Settings s =
                new Chaos.Settings(
                        samples,
                        malformed,
                        Duration.ofSeconds(outageSeconds),
                        out.toAbsolutePath());
        LocalFiles.deleteTree(s.workDir());
        List<Chaos.Check> checks = Chaos.run(s, System.out);
        return checks.stream().allMatch(Chaos.Check::ok) ? 0 : 1;
    }
}
