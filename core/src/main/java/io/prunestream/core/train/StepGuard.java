package io.prunestream.core.train;

import io.prunestream.core.nn.Network;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Locale;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;

/**
 * The numeric guard of a training step. A listener after the penalty hook, it looks at the step
 * between the backward pass and the updater, where parameters and updater state are still those
 * before the step: when the loss is finite and every gradient and parameter is within {@link
 * #LIMIT}, the update cannot make parameters or updater state non-finite (SGD, Nesterov and Adam,
 * L2 below 1: the update is a bounded multiple of the gradient, Adam's {@code g*g} stays far below
 * float's maximum), so nothing is copied and nothing is checked after it. Otherwise it copies
 * parameters and updater state there, and after the step checks the loss, the parameters and the
 * updater state and puts the copy back when any is not finite. With ND4J's NaN/Inf checks on (they
 * can stop a step halfway through the update) every step is copied before it starts.
 *
 * <p>Good steps cost one read of the gradients and the parameters; the copies are preallocated and
 * reused.
 */
final class StepGuard extends BaseTrainingListener {

    /**
     * Largest gradient or parameter magnitude of a step that goes without a copy: far above
     * training values, far enough below float's maximum (3.4e38) that neither {@code g*g} nor any
     * update of the supported optimizers can overflow.
     */
    static final float LIMIT = 1e15f;

    private static final int LIMIT_BITS = Float.floatToIntBits(LIMIT);

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

    private boolean enabled = true;
    private Network guarded; // the network of the step under way, null between steps
    private boolean saved;
    private long copies;
    private INDArray params;
    private INDArray updater;

    /** Off: no check, no copy, no rollback (benchmarks measure what the guard costs). */
    void enable(boolean on) {
        enabled = on;
    }

    boolean enabled() {
        return enabled;
    }

    /** Steps that took a copy so far. */
    long copies() {
        return copies;
    }

    /** Before {@code net.fit}: guards the step about to run. */
    void begin(Network net) {
        guarded = enabled ? net : null;
        saved = false;
        if (guarded != null && profilerChecksOn()) {
            save(); // ND4J may stop the step inside the updater, past the point of the check
        }
    }

    @Override
    public void onGradientCalculation(Model model) {
        if (guarded == null || saved) {
            return;
        }
        if (!Double.isFinite(model.score())
                || !within(guarded.gradients(), LIMIT_BITS)
                || !within(guarded.params(), LIMIT_BITS)) {
            save(); // the updater has not run yet: this is the state before the step
        }
    }

    /**
     * After {@code net.fit}: why the step's result cannot be kept, or null when it can (always null
     * for a step that needed no copy).
     */
    Rejection end(double loss) {
        Network net = guarded;
        guarded = null;
        return net == null || !saved ? null : check(loss, net);
    }

    private void save() {
        params = copyInto(params, guarded.params());
        INDArray u = guarded.updaterState();
        updater = u == null ? null : copyInto(updater, u);
        saved = true;
        copies++;
    }

    private static INDArray copyInto(INDArray target, INDArray source) {
        if (target == null || target.length() != source.length()) {
            return source.dup();
        }
        return target.assign(source);
    }

    /** Puts back the copy taken during the step, if any. */
    void restore(Network net) {
        guarded = null;
        if (saved) {
            net.params().assign(params);
            INDArray u = net.updaterState();
            if (u != null && updater != null) {
                u.assign(updater);
            }
        }
        // the next step overwrites the gradients, but DL4J compares them (NaN != NaN) when the
        // learning rate changes and then fails rebuilding its updater: clear them
        INDArray g = net.gradients();
        if (g != null) {
            g.assign(0);
        }
    }

    private static boolean profilerChecksOn() {
        ProfilerConfig c = OpProfiler.getInstance().getConfig();
        return c != null && (c.isCheckForNAN() || c.isCheckForINF());
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

    /**
     * True when every value is finite and at most {@code limitBits} (a positive float's bits) in
     * magnitude. For float arrays one pass over the bits: a magnitude's bits order like its value,
     * and NaN and infinity have larger bits than any finite float.
     */
    static boolean within(INDArray a, int limitBits) {
        if (a == null || a.isEmpty()) {
            return true;
        }
        if (a.dataType() != DataType.FLOAT
                || !Shape.isContiguousInBuffer(a)
                || a.data().length() > Integer.MAX_VALUE / 4) {
            return finite(a) && a.amaxNumber().doubleValue() <= Float.intBitsToFloat(limitBits);
        }
        ByteBuffer bytes = a.data().asNio().order(ByteOrder.nativeOrder());
        int from = (int) a.offset();
        int to = from + (int) a.length();
        int max = 0;
        int i = from;
        for (; i + 1 < to; i += 2) { // two floats per read: about twice as fast as one
            long two = bytes.getLong(i << 2);
            max = Math.max(max, Math.max((int) two & 0x7fffffff, (int) (two >>> 32) & 0x7fffffff));
        }
        if (i < to) {
            max = Math.max(max, bytes.getInt(i << 2) & 0x7fffffff);
        }
        return max <= limitBits;
    }
}
