package io.prunestream.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.layers.convolution.ConvolutionLayer;
import org.deeplearning4j.nn.layers.convolution.subsampling.SubsamplingLayer;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNConvHelper;
import org.deeplearning4j.nn.layers.mkldnn.MKLDNNSubsamplingHelper;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;

/**
 * The fast CPU path stays on: conv and pooling layers run through DL4J's oneDNN helpers. Without
 * the build's system properties or the {@code org.nd4j.nativeblas.Nd4jCpu} bridge they silently
 * fall back to a ~5x slower path, which this test catches.
 */
class OneDnnHelperTest {

    @Test
    void convAndPoolingLayersUseOneDnn() {
        CpuBackend.configure();
        Network net = ModelSpec.smallCnn(InputShape.MNIST, 10, 1).build(OptimizerSpec.sgd(0.01, 0));
        MultiLayerNetwork m = (MultiLayerNetwork) net.model();
        int convs = 0;
        int pools = 0;
        for (Layer l : m.getLayers()) {
            if (l instanceof ConvolutionLayer c) {
                assertThat(c.getHelper())
                        .as(l.conf().getLayer().getLayerName())
                        .isInstanceOf(MKLDNNConvHelper.class);
                convs++;
            } else if (l instanceof SubsamplingLayer s) {
                assertThat(s.getHelper())
                        .as(l.conf().getLayer().getLayerName())
                        .isInstanceOf(MKLDNNSubsamplingHelper.class);
                pools++;
            }
        }
        assertThat(convs).isEqualTo(3);
        assertThat(pools).isEqualTo(3);
    }
}
