package io.prunestream.apps.experiment;

import static org.assertj.core.api.Assertions.assertThat;

import io.prunestream.apps.Main;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's Table-1 tables are what {@code ./prunestream experiment --report-only} prints from
 * the committed results alone, and {@code --readme} writes exactly that into the file.
 */
class Table1ReadmeTest {

    /** The repository root: the tests run in the apps module's folder. */
    private static Path root() {
        Path here = Path.of("").toAbsolutePath();
        return Files.isRegularFile(here.resolve("README.md")) ? here : here.getParent();
    }

    private static String report(String... extra) {
        StringWriter out = new StringWriter();
        String[] args = new String[3 + extra.length];
        args[0] = "experiment";
        args[1] = "--report-only";
        args[2] = "--results=" + root().resolve("results/table1");
        System.arraycopy(extra, 0, args, 3, extra.length);
        int exit = Main.commandLine().setOut(new PrintWriter(out, true)).execute(args);
        assertThat(exit).as("exit status").isZero();
        return out.toString();
    }

    @Test
    void readmeTablesAreWhatTheCommandPrintsFromTheCommittedResults() {
        String printed = report();

        assertThat(printed).contains("#### fashion-mnist, small-cnn");
        assertThat(Table1Readme.block(root().resolve("README.md")))
                .as(
                        "README.md's Table-1 block; regenerate it with ./prunestream experiment"
                                + " --report-only --readme README.md")
                .isEqualTo(printed);
    }

    @Test
    void readmeOptionReplacesOnlyTheBlock(@TempDir Path dir) throws Exception {
        Path readme = dir.resolve("README.md");
        Files.writeString(
                readme,
                "# before\n\n"
                        + Table1Readme.BEGIN
                        + "\nold tables\n"
                        + Table1Readme.END
                        + "\n\nafter\n");

        String printed = report("--readme=" + readme);

        assertThat(Files.readString(readme))
                .isEqualTo(
                        "# before\n\n"
                                + Table1Readme.BEGIN
                                + "\n"
                                + printed
                                + Table1Readme.END
                                + "\n\nafter\n");
    }
}
