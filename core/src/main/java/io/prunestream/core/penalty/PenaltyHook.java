package io.prunestream.core.penalty;

import io.prunestream.core.group.Group;
import io.prunestream.core.nn.ParamKeys;
import io.prunestream.core.prune.PrunePlan;
import io.prunestream.core.schedule.Granularity;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.optimize.api.BaseTrainingListener;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Applies GReg's penalty inside DL4J's training step: after the backward pass and before the
 * updater (and before DL4J's own L2 weight decay, which is added on top), {@code grad += lambda *
 * w} on each penalised weight, per group unit or per element - the gradient of {@code lambda/2 *
 * ||w||^2}, as the authors' {@code _apply_reg}. After the update it re-applies unstructured masks,
 * so masked weights stay exactly zero.
 *
 * <p>A group's penalty is one lambda per unit on every filter the unit removes (all the convs of a
 * coupled group, dense units' weight columns, depthwise filters) and, as {@link NormPenalty} says,
 * on its BatchNorm gamma/beta. Penalty factors are plain arrays swapped at run time; the network is
 * never rebuilt.
 */
public final class PenaltyHook extends BaseTrainingListener {

    /** Lambda per position along {@code axis} of a parameter; axis -1: per element (c order). */
    private record ParamPenalty(int axis, INDArray lambda) {}

    private final Map<String, ParamPenalty> lambdas = new LinkedHashMap<>();
    private final Map<String, INDArray> masks = new LinkedHashMap<>();

    /**
     * Sets the penalty of a filter plan: {@code lambdaPruned} on the plan's pruned units, {@code
     * lambdaKept} on the other units of the groups it prunes.
     *
     * @param groups the groups the plan was made from (those of the trained network)
     * @param norms which BatchNorm gamma/beta also carry it: OFF none, PRUNED the pruned units'
     *     (pruned lambda, nothing on kept units), ALL every unit's with its unit's lambda
     */
    public void setPenalty(
            List<Group> groups,
            PrunePlan plan,
            NormPenalty norms,
            double lambdaPruned,
            double lambdaKept) {
        if (plan.granularity() != Granularity.FILTER) {
            throw new IllegalArgumentException("a weight plan's penalty is set per element");
        }
        lambdas.clear();
        if (lambdaPruned == 0 && lambdaKept == 0) {
            return;
        }
        Map<String, float[]> perKey = new LinkedHashMap<>();
        Map<String, Integer> axes = new LinkedHashMap<>();
        for (Group g : groups) {
            if (!plan.pruned().containsKey(g.name())) {
                continue;
            }
            float[] full = new float[g.size()];
            Arrays.fill(full, (float) lambdaKept);
            float[] prunedOnly = new float[g.size()];
            for (int u : plan.prunedOf(g.name())) {
                full[u] = (float) lambdaPruned;
                prunedOnly[u] = (float) lambdaPruned;
            }
            for (Group.Member m : g.members()) {
                if (m.carriesFilters()) {
                    put(perKey, axes, m.weightKey(), m.weightAxis(), m.unitOf(), full);
                } else if (m.slice() == Group.Slice.NORM && norms != NormPenalty.OFF) {
                    float[] l = norms == NormPenalty.ALL ? full : prunedOnly;
                    if (norms == NormPenalty.ALL || lambdaPruned != 0) {
                        // vectors with one entry per channel: per element
                        put(perKey, axes, ParamKeys.gamma(m.node()), -1, m.unitOf(), l);
                        put(perKey, axes, ParamKeys.beta(m.node()), -1, m.unitOf(), l);
                    }
                }
            }
        }
        perKey.forEach(
                (k, v) -> lambdas.put(k, new ParamPenalty(axes.get(k), Nd4j.createFromArray(v))));
    }

    private static void put(
            Map<String, float[]> perKey,
            Map<String, Integer> axes,
            String key,
            int axis,
            int[] unitOf,
            float[] perUnit) {
        float[] l = perKey.computeIfAbsent(key, k -> new float[unitOf.length]);
        axes.put(key, axis);
        for (int p = 0; p < unitOf.length; p++) {
            if (unitOf[p] >= 0) {
                l[p] = perUnit[unitOf[p]];
            }
        }
    }

    /**
     * Sets the penalty of a weight plan: per element of each weight the plan prunes, {@code
     * lambdaPruned} on pruned elements and {@code lambdaKept} on the others.
     */
    public void setPenalty(PrunePlan plan, double lambdaPruned, double lambdaKept) {
        if (plan.granularity() != Granularity.WEIGHT) {
            throw new IllegalArgumentException("a filter plan's penalty is set per group");
        }
        lambdas.clear();
        if (lambdaPruned == 0 && lambdaKept == 0) {
            return;
        }
        for (Map.Entry<String, int[]> e : plan.pruned().entrySet()) {
            float[] l = new float[plan.sizeOf(e.getKey())];
            Arrays.fill(l, (float) lambdaKept);
            for (int i : e.getValue()) {
                l[i] = (float) lambdaPruned;
            }
            lambdas.put(e.getKey(), new ParamPenalty(-1, Nd4j.createFromArray(l)));
        }
    }

    /** The factors now applied per parameter key (a copy), for checks and reports. */
    public Map<String, float[]> penalties() {
        Map<String, float[]> out = new LinkedHashMap<>();
        lambdas.forEach((k, v) -> out.put(k, v.lambda().toFloatVector()));
        return out;
    }

    /** Removes every penalty. */
    public void clearPenalty() {
        lambdas.clear();
    }

    /** Keeps the given elements of each weight at zero after every update (and zeroes them now). */
    public void setMasks(Model model, PrunePlan plan) {
        masks.clear();
        for (Map.Entry<String, int[]> e : plan.pruned().entrySet()) {
            INDArray w = model.getParam(e.getKey());
            float[] m = new float[(int) w.length()];
            Arrays.fill(m, 1f);
            for (int i : e.getValue()) {
                m[i] = 0f;
            }
            INDArray mask = Nd4j.create(m, w.shape(), 'c');
            masks.put(e.getKey(), mask);
            w.muli(mask);
        }
    }

    public boolean hasPenalty() {
        return !lambdas.isEmpty();
    }

    @Override
    public void onGradientCalculation(Model model) {
        if (lambdas.isEmpty()) {
            return;
        }
        // DL4J's gradient is still the sum over the batch here; the updater divides it by the batch
        // size before regularisation and the update, so scale the term to land as lambda * w.
        double scale = model.batchSize();
        for (Map.Entry<String, ParamPenalty> e : lambdas.entrySet()) {
            INDArray w = model.getParam(e.getKey());
            if (w == null) {
                continue; // a BatchNorm with locked gamma/beta has none to penalise
            }
            INDArray grad = model.gradient().getGradientFor(e.getKey());
            grad.addi(term(w, e.getValue()).muli(scale));
        }
    }

    /** lambda * w, lambda running along the penalty's axis. */
    private static INDArray term(INDArray w, ParamPenalty p) {
        INDArray lambda = p.lambda();
        if (p.axis() < 0 || w.rank() == 1) {
            return w.mul(lambda.reshape(w.shape()));
        }
        long[] shape = w.shape();
        long outer = 1;
        for (int i = 0; i < p.axis(); i++) {
            outer *= shape[i];
        }
        long n = shape[p.axis()];
        long inner = w.length() / outer / n;
        INDArray term;
        if (outer == 1) {
            term = w.reshape('c', n, inner).mulColumnVector(lambda.reshape(n, 1));
        } else if (inner == 1) {
            term = w.reshape('c', outer, n).mulRowVector(lambda.reshape(1, n));
        } else {
            INDArray repeated = lambda.reshape(n, 1).repeat(1, inner).reshape('c', 1, n * inner);
            term = w.reshape('c', outer, n * inner).mulRowVector(repeated);
        }
        return term.reshape('c', shape);
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        for (Map.Entry<String, INDArray> e : masks.entrySet()) {
            model.getParam(e.getKey()).muli(e.getValue());
        }
    }
}
