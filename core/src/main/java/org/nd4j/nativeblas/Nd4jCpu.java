package org.nd4j.nativeblas;

/**
 * Compatibility bridge for DL4J 1.0.0-M2.1's oneDNN check.
 *
 * <p>{@code BaseMKLDNNHelper.mklDnnEnabled()} looks this class up by name and calls {@code
 * Environment.getInstance().isUseMKLDNN()}. ND4J M2.1 moved and renamed it, so without this bridge
 * the lookup throws and DL4J silently falls back to its slow im2col path for every conv and pooling
 * layer. The bridge forwards to the renamed native environment.
 */
public final class Nd4jCpu {
    private Nd4jCpu() {}

    /** Forwards the old query to {@code Nd4jCpu.Environment#isUseONEDNN()}. */
    public static final class Environment {
        private static final Environment INSTANCE = new Environment();

        private Environment() {}

        public static Environment getInstance() {
            return INSTANCE;
        }

        public boolean isUseMKLDNN() {
            return org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu.Environment.getInstance()
                    .isUseONEDNN();
        }
    }
}
