package io.prunestream.core.train;

import io.prunestream.core.nn.Network;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The numeric guard of a training step: keeps a copy of the parameters and the updater state before
 * the step, checks the loss, the updated parameters and the updated updater state after it, and
 * puts the copy back when any is not finite. A non-finite gradient shows as non-finite parameters
 * or updater state after the update, so the check covers gradients too. The copies are preallocated
 * and reused; each check is one sum (element-wise only when the sum is not finite).
 */
final class StepGuard {

    /** Why a step was rolled back. */
    enum Rejection {
        NON_FINITE_LOSS,
        NON_FINITE_PARAMETERS,
        /**
         * Finite parameters but a non-finite optimizer state: Adam's second moment overflows float
         * for gradients above ~1.8e19, after which those weights never move again.
         */
        NON_FINITE_UPDATER_STATE,
        /**
         * ND4J stopped the step because an op produced NaN or Inf: only when its op profiler's
         * NaN/Inf checks are switched on ({@code ProfilerConfig.checkForNAN/checkForINF}).
         */
        NON_FINITE_OP_OUTPUT;

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
        if (!finite(net.params())) {
            return Rejection.NON_FINITE_PARAMETERS;
        }
        INDArray u = net.updaterState();
        return u == null || finite(u) ? null : Rejection.NON_FINITE_UPDATER_STATE;
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
