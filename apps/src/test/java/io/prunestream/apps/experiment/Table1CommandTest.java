package io.prunestream.apps.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.apps.Main;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.ParseResult;

/** The experiment under the entry point: the report records the command as it was typed. */
class Table1CommandTest {

    @Test
    void theReportedCommandIsTheExperimentsArguments() {
        ParseResult r = Main.commandLine().parseArgs("experiment", "--seeds", "1", "--data=mnist");
        Table1Command c = (Table1Command) r.subcommand().commandSpec().userObject();

        assertThat(c.arguments()).isEqualTo("--seeds 1 --data=mnist");
        assertThat(c.settings().seeds()).containsExactly(1L);
    }
}
