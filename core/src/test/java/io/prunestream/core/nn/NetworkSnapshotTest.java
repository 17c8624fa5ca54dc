package io.prunestream.core.nn;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
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

    @Test
    void snapshotIsRawBytesNotDeflated() {
        Network net = ModelSpec.smallCnn(InputShape.MNIST, 10, 7).build(OptimizerSpec.sgd(0.05, 0));
        long raw = (net.model().params().length() + net.updaterState().length()) * 4;
        assertThat((long) net.snapshotBytes().length).isBetween(raw, raw + 64 * 1024);
    }
}
