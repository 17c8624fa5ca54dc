package io.prunestream.core.nn;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.deeplearning4j.nn.layers.mkldnn.BaseMKLDNNHelper;
import org.nd4j.linalg.api.environment.Nd4jEnvironment;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Which ND4J backend a process runs on, and whether its GPUs can run ND4J's CUDA kernels.
 *
 * <p>ND4J 1.0.0-M2.1's CUDA build ({@code nd4j-cuda-11.6}, classifiers {@code linux-x86_64} and
 * {@code linux-x86_64-cudnn}) holds machine code for {@link #ND4J_CUDA_KERNELS} and no PTX ({@code
 * cuobjdump --list-elf / --list-ptx libnd4jcuda.so}). A cubin for {@code sm_XY} runs only on
 * compute capability X.Z with Z &ge; Y, and without PTX the driver cannot compile for anything
 * newer, so Hopper (9.0) and Blackwell (10.x, 12.x) GPUs cannot run it: ND4J would fail at its
 * first kernel with "no kernel image is available". {@link #check} turns that into a clear message
 * at start.
 *
 * <pre>{@code
 * BackendInfo info = BackendInfo.current();   // initialises ND4J
 * log.info(info.describe());
 * info.requireSupportedGpus();                // throws on an unsupported GPU
 * }</pre>
 *
 * <p>{@code java -cp <job jar> io.prunestream.core.nn.BackendInfo} prints the same and exits 1 on
 * an unsupported GPU; {@code --compute-capability 9.0 [--device NAME]} checks a capability alone,
 * without loading ND4J (the image's entrypoint feeds it {@code nvidia-smi}'s answer).
 */
public record BackendInfo(String backend, String detail, List<Gpu> gpus) {

    /** The cubins in ND4J 1.0.0-M2.1's {@code libnd4jcuda.so} (both CUDA 11.6 classifiers). */
    public static final List<String> ND4J_CUDA_KERNELS =
            List.of(
                    "sm_37", "sm_50", "sm_52", "sm_60", "sm_61", "sm_70", "sm_75", "sm_80",
                    "sm_86");

    /** PTX in that library, which a newer GPU's driver could compile: none. */
    public static final List<String> ND4J_CUDA_PTX = List.of();

    private static final Pattern SM = Pattern.compile("(?:sm|compute)_(\\d+)(\\d)");
    private static final Pattern CAPABILITY = Pattern.compile("\\s*(\\d+)\\.(\\d+)\\s*");

    public BackendInfo {
        gpus = List.copyOf(gpus);
    }

    /** One CUDA device as ND4J reports it. */
    public record Gpu(int index, String name, ComputeCapability capability, long totalMemory) {}

    /** A CUDA compute capability, e.g. 8.6. */
    public record ComputeCapability(int major, int minor) {

        /** Parses {@code "8.6"} (as {@code nvidia-smi --query-gpu=compute_cap} prints it). */
        public static ComputeCapability parse(String text) {
            Matcher m = CAPABILITY.matcher(text == null ? "" : text);
            if (!m.matches()) {
                throw new IllegalArgumentException(
                        "compute capability '"
                                + text
                                + "' is not <major>.<minor> (e.g. 8.6); pass what"
                                + " `nvidia-smi --query-gpu=compute_cap --format=csv,noheader`"
                                + " prints");
            }
            return new ComputeCapability(
                    Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        }

        @Override
        public String toString() {
            return major + "." + minor;
        }
    }

    /**
     * Whether code built as {@code sass} cubins and {@code ptx} runs on {@code capability}: a cubin
     * {@code sm_XY} runs on X.Z for Z &ge; Y; PTX {@code compute_XY} is compiled by the driver for
     * any capability &ge; X.Y.
     */
    public static boolean runsOn(
            ComputeCapability capability, List<String> sass, List<String> ptx) {
        for (String s : sass) {
            int[] v = version(s);
            if (v[0] == capability.major() && v[1] <= capability.minor()) {
                return true;
            }
        }
        for (String p : ptx) {
            int[] v = version(p);
            if (v[0] < capability.major()
                    || (v[0] == capability.major() && v[1] <= capability.minor())) {
                return true;
            }
        }
        return false;
    }

    /**
     * Throws, naming the device, its capability and what would work, unless ND4J's CUDA kernels run
     * on it.
     */
    public static void check(String device, ComputeCapability capability) {
        check(device, capability, ND4J_CUDA_KERNELS, ND4J_CUDA_PTX);
    }

    static void check(
            String device, ComputeCapability capability, List<String> sass, List<String> ptx) {
        if (!runsOn(capability, sass, ptx)) {
            throw new IllegalStateException(
                    String.format(
                            Locale.ROOT,
                            "GPU '%s' has compute capability %s, but ND4J 1.0.0-M2.1's CUDA backend"
                                    + " ships kernels only for %s and %s, so it cannot run there."
                                    + " Run on a GPU of compute capability %s, or use the CPU"
                                    + " build (no -Pcuda; k8s/overlays/cpu).",
                            device,
                            capability,
                            String.join(", ", sass),
                            ptx.isEmpty() ? "no PTX" : "PTX " + String.join(", ", ptx),
                            supportedRange(sass, ptx)));
        }
    }

    /** Human-readable capabilities a kernel list runs on, e.g. "7.0–7.x, 8.0–8.x". */
    static String supportedRange(List<String> sass, List<String> ptx) {
        Map<Integer, Integer> lowestMinor = new java.util.TreeMap<>();
        for (String s : sass) {
            int[] v = version(s);
            lowestMinor.merge(v[0], v[1], Math::min);
        }
        List<String> parts = new ArrayList<>();
        lowestMinor.forEach((major, minor) -> parts.add(major + "." + minor + "–" + major + ".x"));
        for (String p : ptx) {
            int[] v = version(p);
            parts.add(v[0] + "." + v[1] + " or newer (PTX)");
        }
        return String.join(", ", parts);
    }

    private static int[] version(String arch) {
        Matcher m = SM.matcher(arch);
        if (!m.matches()) {
            throw new IllegalArgumentException(
                    "'" + arch + "' is not a CUDA architecture like sm_86 or compute_86");
        }
        return new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))};
    }

    /** The backend ND4J loaded (initialises ND4J if it is not yet). */
    public static BackendInfo current() {
        Properties env = Nd4j.getExecutioner().getEnvironmentInformation();
        String backend = String.valueOf(env.getOrDefault(Nd4jEnvironment.BACKEND_KEY, "unknown"));
        List<Gpu> gpus = new ArrayList<>();
        Object devices = env.get(Nd4jEnvironment.CUDA_DEVICE_INFORMATION_KEY);
        if (devices instanceof List<?> list) {
            for (Object d : list) {
                if (d instanceof Map<?, ?> m) {
                    gpus.add(
                            new Gpu(
                                    gpus.size(),
                                    String.valueOf(m.get(Nd4jEnvironment.CUDA_DEVICE_NAME_KEY)),
                                    new ComputeCapability(
                                            number(
                                                    m.get(
                                                            Nd4jEnvironment
                                                                    .CUDA_DEVICE_MAJOR_VERSION_KEY)),
                                            number(
                                                    m.get(
                                                            Nd4jEnvironment
                                                                    .CUDA_DEVICE_MINOR_VERSION_KEY))),
                                    (long) number(m.get(Nd4jEnvironment.CUDA_TOTAL_MEMORY_KEY))));
                }
            }
        }
        String detail;
        if ("CPU".equalsIgnoreCase(backend)) {
            // as DL4J sees it: whether its layers get oneDNN helpers
            boolean onednn = BaseMKLDNNHelper.mklDnnEnabled();
            detail =
                    String.format(
                            Locale.ROOT,
                            "BLAS %s, oneDNN %s (%s=%s), %s cores, OpenMP threads %s",
                            env.get(Nd4jEnvironment.BLAS_VENDOR_KEY),
                            onednn ? "on" : "off",
                            CpuBackend.PLATFORM_EXTENSION,
                            System.getProperty(CpuBackend.PLATFORM_EXTENSION, ""),
                            env.get(Nd4jEnvironment.CPU_CORES_KEY),
                            env.get(Nd4jEnvironment.OMP_THREADS_KEY));
        } else {
            detail =
                    String.format(
                            Locale.ROOT,
                            "%s GPU(s), native build %s",
                            gpus.size(),
                            System.getProperty(CpuBackend.PLATFORM_EXTENSION, "(default)"));
        }
        return new BackendInfo(backend, detail, gpus);
    }

    private static int number(Object o) {
        return o instanceof Number n ? n.intValue() : Integer.parseInt(String.valueOf(o));
    }

    /** One line per backend and device, for the log. */
    public String describe() {
        StringBuilder sb = new StringBuilder("ND4J backend " + backend + ": " + detail);
        for (Gpu g : gpus) {
            sb.append(
                    String.format(
                            Locale.ROOT,
                            "%n  GPU %d: %s, compute capability %s, %.1f GiB, ND4J kernels %s",
                            g.index(),
                            g.name(),
                            g.capability(),
                            g.totalMemory() / (double) (1L << 30),
                            runsOn(g.capability(), ND4J_CUDA_KERNELS, ND4J_CUDA_PTX)
                                    ? "present"
                                    : "MISSING"));
        }
        return sb.toString();
    }

    /** Throws {@link IllegalStateException} for the first GPU ND4J's kernels cannot run on. */
    public void requireSupportedGpus() {
        for (Gpu g : gpus) {
            check("GPU " + g.index() + " " + g.name(), g.capability());
        }
    }

    /**
     * Prints the backend and checks the GPUs; exits 1 with the reason when a GPU is unsupported.
     * With {@code --compute-capability X.Y [--device NAME]} checks that capability only, without
     * loading ND4J.
     */
    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    static int run(String[] args, java.io.PrintStream out, java.io.PrintStream err) {
        try {
            if (args.length == 0) {
                CpuBackend.configure();
                BackendInfo info = current();
                out.println("prunestream: " + info.describe());
                info.requireSupportedGpus();
                return 0;
            }
            String device = "GPU";
            String capability = null;
            for (int i = 0; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("no value after " + args[i] + usage());
                }
                switch (args[i]) {
                    case "--compute-capability" -> capability = args[i + 1];
                    case "--device" -> device = args[i + 1];
                    default ->
                            throw new IllegalArgumentException(
                                    "unknown option " + args[i] + usage());
                }
            }
            if (capability == null) {
                throw new IllegalArgumentException("--compute-capability is missing" + usage());
            }
            ComputeCapability cc = ComputeCapability.parse(capability);
            check(device, cc);
            out.println("prunestream: " + device + " (compute capability " + cc + ") is supported");
            return 0;
        } catch (IllegalStateException | IllegalArgumentException e) {
            err.println("prunestream: " + e.getMessage());
            return 1;
        }
    }

    private static String usage() {
        return "; usage: BackendInfo [--compute-capability <major.minor> [--device <name>]]";
    }
}
