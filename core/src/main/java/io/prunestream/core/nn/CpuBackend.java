package io.prunestream.core.nn;

import org.deeplearning4j.config.DL4JClassLoading;
import org.nd4j.common.config.ND4JClassLoading;

/**
 * Switches on ND4J's fast CPU path (oneDNN helpers) before ND4J loads.
 *
 * <p>Call {@link #configure()} first thing in a {@code main}: the properties are read once, when
 * ND4J and DL4J initialise. Values already given on the command line win. {@code
 * OMP_WAIT_POLICY=PASSIVE} must be set in the environment by the launcher, since OpenMP reads it at
 * process start.
 */
public final class CpuBackend {
    /** JavaCPP picks the oneDNN build of the native library with this extension. */
    public static final String PLATFORM_EXTENSION = "org.bytedeco.javacpp.platform.extension";

    /** DL4J creates no layer helpers at all unless this is {@code false}. */
    public static final String HELPERS_DISABLE = "org.eclipse.deeplearning4j.helpers.disable";

    private CpuBackend() {}

    public static void configure() {
        if (cpuBackendPresent()) {
            setIfAbsent(PLATFORM_EXTENSION, "-onednn");
        }
        setIfAbsent(HELPERS_DISABLE, "false");
        // ND4J and DL4J look classes up by name (backends, oneDNN helpers, the Nd4jCpu bridge)
        // through a class loader they take from the first thread that uses them. Under Flink that
        // is a job's user-code class loader, which Flink closes when the job leaves the
        // TaskManager while ND4J, in Flink's lib/, stays: keep them on the loader that loaded
        // ND4J itself (the one class path anywhere else).
        ND4JClassLoading.setNd4jClassloaderFromClass(ND4JClassLoading.class);
        DL4JClassLoading.setDl4jClassloaderFromClass(DL4JClassLoading.class);
    }

    /** True when the CPU backend is on the class path (false in a {@code -Pcuda} build). */
    static boolean cpuBackendPresent() {
        try {
            Class.forName(
                    "org.nd4j.linalg.cpu.nativecpu.CpuBackend",
                    false,
                    CpuBackend.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException e) {
            return false;
        }
    }

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }
}
