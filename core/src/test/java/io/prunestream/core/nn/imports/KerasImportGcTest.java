package io.prunestream.core.nn.imports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.config.UsageException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * Keras imports one after another, failed ones among them, while the garbage collector runs:
 * JavaCPP's deallocator thread must find no HDF5 object of an earlier import to close while this
 * thread is inside HDF5 (HDF5 is not thread-safe; the JVM died in H5FL_reg_malloc, taking the test
 * fork with it).
 */
class KerasImportGcTest {
    @Test
    void repeatedImportsLeaveNoHdf5ObjectToTheCollector() {
        Path good = ImportFixtures.DIR.resolve("keras_functional.h5");
        // DL4J throws half way through this one, leaving its file and groups open
        Path failing = ImportFixtures.DIR.resolve("keras_lambda.h5");
        for (int i = 0; i < 200; i++) {
            // the collector queues the last import's unreachable objects for the deallocator
            // thread, which runs while the next import reads its file
            System.gc();
            assertThatThrownBy(() -> ModelImports.read(failing)).isInstanceOf(UsageException.class);
            assertThat(ModelImports.read(good)).isNotNull();
        }
    }
}
