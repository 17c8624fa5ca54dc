package io.prunestream.core.nn;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.prunestream.core.nn.BackendInfo.ComputeCapability;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackendInfoTest {

    /**
     * Hand-derived from the cubin list (sm_37 … sm_86, no PTX) and the rule "sm_XY runs on X.Z for
     * Z >= Y": e.g. 8.9 (Ada) runs the sm_86 cubin, 3.5 has none (sm_37 needs 3.7), 9.0 (H100,
     * H200) and 12.0 have no cubin of their major version.
     */
    @ParameterizedTest
    @CsvSource({
        "3.0, false",
        "3.5, false",
        "3.7, true",
        "5.0, true",
        "5.3, true",
        "6.0, true",
        "6.2, true",
        "7.0, true",
        "7.2, true",
        "7.5, true",
        "8.0, true",
        "8.6, true",
        "8.7, true",
        "8.9, true",
        "9.0, false",
        "10.0, false",
        "12.0, false"
    })
    void nd4jCudaKernelsRunOnTheseCapabilities(String capability, boolean runs) {
        ComputeCapability cc = ComputeCapability.parse(capability);
        assertThat(BackendInfo.runsOn(cc, BackendInfo.ND4J_CUDA_KERNELS, BackendInfo.ND4J_CUDA_PTX))
                .isEqualTo(runs);
    }

    @Test
    void ptxRunsOnItsOwnAndNewerCapabilities() {
        List<String> ptx = List.of("compute_80");
        assertThat(BackendInfo.runsOn(new ComputeCapability(9, 0), List.of(), ptx)).isTrue();
        assertThat(BackendInfo.runsOn(new ComputeCapability(8, 0), List.of(), ptx)).isTrue();
        assertThat(BackendInfo.runsOn(new ComputeCapability(7, 5), List.of(), ptx)).isFalse();
    }

    @Test
    void unsupportedGpuFailsWithWhatWouldWork() {
        assertThatThrownBy(() -> BackendInfo.check("NVIDIA H200", ComputeCapability.parse("9.0")))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("'NVIDIA H200' has compute capability 9.0")
                .hasMessageContaining(
                        "sm_37, sm_50, sm_52, sm_60, sm_61, sm_70, sm_75, sm_80, sm_86")
                .hasMessageContaining("no PTX")
                .hasMessageContaining("3.7–3.x, 5.0–5.x, 6.0–6.x, 7.0–7.x, 8.0–8.x")
                .hasMessageContaining("k8s/overlays/cpu");
        BackendInfo.check("NVIDIA A100", ComputeCapability.parse("8.0"));
    }

    @Test
    void capabilityParsingNamesTheExpectedForm() {
        assertThat(ComputeCapability.parse(" 8.6 ")).isEqualTo(new ComputeCapability(8, 6));
        assertThatThrownBy(() -> ComputeCapability.parse("9"))
                .hasMessageContaining("'9' is not <major>.<minor>");
    }

    @Test
    void commandLineChecksACapabilityWithoutNd4j() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        String[] h200 = {"--compute-capability", "9.0", "--device", "NVIDIA H200"};
        assertThat(BackendInfo.run(h200, print(out), print(err))).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'NVIDIA H200'");
        String[] a10 = {"--compute-capability", "8.6"};
        assertThat(BackendInfo.run(a10, print(out), print(err))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("8.6) is supported");
        assertThat(BackendInfo.run(new String[] {"--device"}, print(out), print(err))).isEqualTo(1);
    }

    @Test
    void cpuBackendReportsOneDnn() {
        CpuBackend.configure();
        BackendInfo info = BackendInfo.current();
        assertThat(info.backend()).isEqualTo("CPU");
        assertThat(info.gpus()).isEmpty();
        assertThat(info.describe()).contains("ND4J backend CPU").contains("oneDNN on");
        info.requireSupportedGpus();
    }

    private static PrintStream print(ByteArrayOutputStream b) {
        return new PrintStream(b, true, StandardCharsets.UTF_8);
    }
}
