package io.prunestream.apps;

import io.prunestream.testing.ChildJvm;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code ./prunestream job} in a child JVM, as chaos, soak and bench-checkpoint start it: the
 * launcher's JVM options, so that the child runs the same fast CPU path and logs the same lines.
 */
public final class JobProcess {
    /** OpenMP reads this at process start; busy-waiting threads would steal the other core. */
    public static final Map<String, String> ENV = Map.of("OMP_WAIT_POLICY", "PASSIVE");

    private JobProcess() {}

    /** The launcher's JVM options with this heap (e.g. "2g"). */
    public static List<String> jvmOptions(String heap) {
        return List.of(
                "-Xmx" + heap,
                "-Dorg.bytedeco.javacpp.platform.extension=-onednn",
                "-Dorg.eclipse.deeplearning4j.helpers.disable=false",
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                "-Dorg.slf4j.simpleLogger.log.io.prunestream=info",
                "-Dorg.slf4j.simpleLogger.log.org.apache.flink=error",
                "-Dorg.slf4j.simpleLogger.log.org.apache.kafka=error");
    }

    /** Starts {@code job <args>} with this heap, in {@code dir}, appending to {@code log}. */
    public static Process start(Path dir, String heap, List<String> args, Path log)
            throws IOException {
        List<String> all = new ArrayList<>(List.of("job"));
        all.addAll(args);
        return ChildJvm.start(dir, jvmOptions(heap), ENV, Main.class.getName(), all, log);
    }

    /** A port free now (the child binds it a moment later; a clash fails the start visibly). */
    public static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }
}
