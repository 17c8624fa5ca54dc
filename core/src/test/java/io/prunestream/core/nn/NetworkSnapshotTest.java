package io.prunestream.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.deeplearning4j.nn.graph.ComputationGraph;
import org.deeplearning4j.nn.multilayer.MultiLayerNetwork;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.dataset.DataSet;

/**
 * A network restored from {@link Network#snapshotBytes()} (or from DL4J's zip, which older
 * snapshots hold) has the same parameters and updater state and trains on to the same bits.
 */
class NetworkSnapshotTest {

    private static DataSet batch(InputShape s, int classes, int seed) {
        return RandomBatches.of(s, 8, classes, seed);
    }

    private static void roundTrip(Network net, InputShape s, int classes, boolean zip) {
        for (int i = 0; i < 3; i++) {
            net.fit(batch(s, classes, i)); // momentum state is non-zero now
        }
        byte[] bytes = zip ? net.toBytes(true) : net.snapshotBytes();
        Network back = Network.fromBytes(bytes, net.isGraph(), s);
        assertThat(back.model().params()).isEqualTo(net.model().params());
        assertThat(back.updaterState()).isNotNull().isEqualTo(net.updaterState());
        assertThat(back.updaterState().sumNumber().doubleValue()).isNotZero();
        DataSet next = batch(s, classes, 7);
        net.fit(next);
        back.fit(next);
        assertThat(back.model().params()).as("one more step").isEqualTo(net.model().params());
    }

    @Test
    void sequentialNetworkRoundTrips() {
        Network net =
                ModelSpec.smallCnn(InputShape.MNIST, 10, 5).build(OptimizerSpec.sgd(0.05, 5e-4));
        roundTrip(net, InputShape.MNIST, 10, false);
    }

    @Test
    void graphRoundTrips() {
        InputShape s = new InputShape(3, 8, 8);
        Network net = ModelSpec.resnet(8, 0.5, s, 4, 5).build(OptimizerSpec.sgd(0.05, 5e-4));
        roundTrip(net, s, 4, false);
    }

    @Test
    void dl4jZipOfOlderSnapshotsStillReads() {
        Network net = ModelSpec.smallCnn(InputShape.MNIST, 10, 6).build(OptimizerSpec.sgd(0.05, 0));
        roundTrip(net, InputShape.MNIST, 10, true);
    }

    /**
     * The snapshot is written into one array of its exact size now; its bytes are still those the
     * previous builds wrote through a stream (and their readers read), here written as they did.
     */
    @Test
    void snapshotBytesAreTheLayoutEarlierBuildsWrote() throws Exception {
        InputShape s = new InputShape(3, 8, 8);
        for (Network net :
                List.of(
                        ModelSpec.smallCnn(InputShape.MNIST, 10, 8)
                                .build(OptimizerSpec.sgd(0.05, 5e-4)),
                        ModelSpec.resnet(8, 0.5, s, 4, 8).build(OptimizerSpec.adam(0.001)),
                        ModelSpec.lenet(InputShape.MNIST, 10, 8)
                                .build(OptimizerSpec.sgd(0.05, 0)))) {
            InputShape in = net.inputShape();
            net.fit(batch(in, net.isGraph() ? 4 : 10, 1)); // an updater state that is not zero
            assertThat(net.snapshotBytes()).isEqualTo(streamed(net));
        }
        Network plain =
                ModelSpec.smallCnn(InputShape.MNIST, 10, 9)
                        .build(new OptimizerSpec(Optimizer.SGD, 0.05, 0, 0));
        assertThat(plain.snapshotBytes()).isEqualTo(streamed(plain));
    }

    /** The snapshot as the builds before this one wrote it. */
    private static byte[] streamed(Network net) throws IOException {
        String json =
                net.isGraph()
                        ? ((ComputationGraph) net.model()).getConfiguration().toJson()
                        : ((MultiLayerNetwork) net.model()).getLayerWiseConfigurations().toJson();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            out.writeInt(0x50534e31);
            out.writeBoolean(ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN);
            byte[] conf = json.getBytes(StandardCharsets.UTF_8);
            out.writeInt(conf.length);
            out.write(conf);
            for (INDArray a : new INDArray[] {net.params(), net.updaterState()}) {
                if (a == null) {
                    out.writeUTF("");
                    continue;
                }
                out.writeUTF(a.dataType().name());
                out.writeLong(a.length());
                ByteBuffer raw = a.data().asNio().order(ByteOrder.nativeOrder());
                int w = a.dataType().width();
                for (long i = a.offset() * w; i < (a.offset() + a.length()) * w; i++) {
                    out.write(raw.get((int) i));
                }
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void snapshotIsRawBytesNotDeflated() {
        Network net = ModelSpec.smallCnn(InputShape.MNIST, 10, 7).build(OptimizerSpec.sgd(0.05, 0));
        long raw = (net.model().params().length() + net.updaterState().length()) * 4;
        assertThat((long) net.snapshotBytes().length).isBetween(raw, raw + 64 * 1024);
    }
}
