package org.nd4j.nativeblas;

import java.lang.reflect.Method;

/**
 * Compatibility bridge for DL4J 1.0.0-M2.1's oneDNN check.
 *
 * <p>{@code BaseMKLDNNHelper.mklDnnEnabled()} looks this class up by name and calls {@code
 * Environment.getInstance().isUseMKLDNN()}. ND4J M2.1 moved and renamed it, so without this bridge
 * the lookup throws and DL4J silently falls back to its slow im2col path for every conv and pooling
 * layer. The bridge forwards to the renamed native environment, found by reflection so that the
 * class also compiles against the CUDA backend (where it answers false).
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
            try {
                Class<?> env =
                        Class.forName("org.nd4j.linalg.cpu.nativecpu.bindings.Nd4jCpu$Environment");
                Object instance = env.getMethod("getInstance").invoke(null);
                Method m = env.getMethod("isUseONEDNN");
                return (Boolean) m.invoke(instance);
            } catch (ReflectiveOperationException | LinkageError e) {
                return false;
            }
        }
    }
}
