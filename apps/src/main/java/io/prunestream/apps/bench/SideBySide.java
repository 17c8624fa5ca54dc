package io.prunestream.apps.bench;

import picocli.CommandLine.Option;

/** Options of a benchmark that runs its two sides in alternating rounds on the same batches. */
final class SideBySide {
    @Option(
            names = "--batch",
            paramLabel = "N",
            defaultValue = "64",
            description = "Mini-batch size (default: ${DEFAULT-VALUE}).")
    int batch;

    @Option(
            names = "--rounds",
            paramLabel = "N",
            defaultValue = "3",
            description =
                    "Rounds of each side, alternating; the medians are reported (default:"
                            + " ${DEFAULT-VALUE}).")
    int rounds;
}
