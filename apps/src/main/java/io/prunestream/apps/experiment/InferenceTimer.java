package io.prunestream.apps.experiment;

import io.prunestream.core.nn.Network;
import java.util.Arrays;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Measured inference speed-up: the two networks run the same batch alternately (so machine noise
 * hits both alike), and the ratio of their median times is reported.
 */
public final class InferenceTimer {
    private InferenceTimer() {}

    public static double speedup(Network base, Network pruned, INDArray batch, int reps) {
        for (int i = 0; i < 3; i++) {
            base.output(batch);
            pruned.output(batch);
        }
        long[] tb = new long[reps];
        long[] tp = new long[reps];
        for (int i = 0; i < reps; i++) {
            tb[i] = time(base, batch);
            tp[i] = time(pruned, batch);
        }
        return median(tb) / median(tp);
    }

    private static long time(Network n, INDArray batch) {
        long t = System.nanoTime();
        n.output(batch);
        return System.nanoTime() - t;
    }

    private static double median(long[] v) {
        long[] s = v.clone();
        Arrays.sort(s);
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }
}
