package io.prunestream.apps.measure;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessStatsTest {

    @Test
    void rssLineIsReadInKibibytes() {
        assertThat(ProcessStats.parseKb("VmRSS:\t  123 kB")).isEqualTo(123 * 1024L);
        assertThatThrownBy(() -> ProcessStats.parseKb("VmRSS: 123"))
                .hasMessageContaining("expected a value in kB");
    }

    @Test
    void rssOfThisProcessIsAtLeastItsCommittedHeapInUse() {
        long used = Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory();
        assertThat(ProcessStats.rssBytes(ProcessHandle.current().pid())).isGreaterThan(used / 2);
        assertThat(ProcessStats.rssBytes(Long.MAX_VALUE)).isEqualTo(-1);
    }

    @Test
    void folderBytesSumsRegularFilesBelow(@TempDir Path dir) throws Exception {
        Files.write(dir.resolve("a"), new byte[3]);
        Files.createDirectories(dir.resolve("x/y"));
        Files.write(dir.resolve("x/y/b"), new byte[5]);
        assertThat(ProcessStats.folderBytes(dir)).isEqualTo(8);
        assertThat(ProcessStats.folderBytes(dir.resolve("missing"))).isZero();
    }
}
