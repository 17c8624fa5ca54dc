package io.prunestream.core.train;

import io.prunestream.core.nn.Network;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The numeric guard of a training step: keeps a copy of the parameters and the updater state before
 * the step, checks the loss and the updated parameters after it, and puts the copy back when either
 * is not finite. A non-finite gradient shows as non-finite parameters after the update, so the
 * check covers gradients too. The copies are preallocated and reused, so a step costs one pass over
 * the parameters and the updater state.
 */
final class StepGuard {

    /** Why a step was rolled back. */
    enum Rejection {
        NON_FINITE_LOSS,
        NON_FINITE_PARAMETERS,
        STEP_FAILED;

        @Override
        public String toString() {
            return name().toLowerCase(Locale.ROOT).replace('_', '-');
        }
    }

    private INDArray params;
    private INDArray updater;

    void save(Network net) {
        params = copyInto(params, net.params());
        INDArray u = net.updaterState();
        updater = u == null ? null : copyInto(updater, u);
    }

    private static INDArray copyInto(INDArray target, INDArray source) {
        if (target == null || target.length() != source.length()) {
            return source.dup();
        }
        return target.assign(source);
    }

    void restore(Network net) {
        net.params().assign(params);
        INDArray u = net.updaterState();
        if (u != null && updater != null) {
            u.assign(updater);
        }
        // the next step overwrites the gradients, but DL4J compares them (NaN != NaN) when the
        // learning rate changes and then fails rebuilding its updater: clear them
        INDArray g = net.gradients();
        if (g != null) {
            g.assign(0);
        }
    }

    /** Why the step's result cannot be kept, or null when it can. */
    static Rejection check(double loss, Network net) {
        if (!Double.isFinite(loss)) {
            return Rejection.NON_FINITE_LOSS;
        }
        return finite(net.params()) ? null : Rejection.NON_FINITE_PARAMETERS;
    }

    /** True when every value is finite: a sum is NaN or infinite as soon as one term is. */
    static boolean finite(INDArray a) {
        if (Double.isFinite(a.sumNumber().doubleValue())) {
            return true;
        }
        // an infinite sum of huge finite values would be a false alarm: check element-wise
        return !(a.isNaN().any() || a.isInfinite().any());
    }
}
