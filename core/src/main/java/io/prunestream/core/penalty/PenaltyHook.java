package io.prunestream.core.penalty;

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
 * w} on each penalised weight, per filter or per element - the gradient of {@code lambda/2 *
 * ||w||^2}, as the authors' {@code _apply_reg}. After the update it re-applies unstructured masks,
 * so masked weights stay exactly zero.
 *
 * <p>Penalty factors are plain arrays swapped at run time; the network is never rebuilt.
 */
public final class PenaltyHook extends BaseTrainingListener {
    /** weight key -> lambda per filter [out] (filter granularity) or per element (weight shape). */
    private final Map<String, INDArray> lambdas = new LinkedHashMap<>();

    private final Map<String, INDArray> masks = new LinkedHashMap<>();
    private Granularity granularity = Granularity.FILTER;

    /**
     * The parameters that carry one group's penalty.
     *
     * @param full parameters that get the group's lambda on every entry: the pruned lambda on
     *     pruned entries, the kept lambda on the others - a weight whose first axis runs over the
     *     groups (per filter), a vector with one entry per group (BatchNorm gamma/beta), or, in
     *     weight granularity, the weight itself (per element)
     * @param prunedOnly parameters that get the pruned lambda on pruned entries and nothing on the
     *     others (vectors with one entry per group)
     */
    public record GroupParams(List<String> full, List<String> prunedOnly) {
        public GroupParams {
            full = List.copyOf(full);
            prunedOnly = List.copyOf(prunedOnly);
        }
    }

    /**
     * Sets the penalty factors from a plan: {@code lambdaPruned} on the plan's pruned groups,
     * {@code lambdaKept} on its other groups, on the parameters {@code keys} lists per plan key.
     */
    public void setPenalty(
            PrunePlan plan, Map<String, GroupParams> keys, double lambdaPruned, double lambdaKept) {
        lambdas.clear();
        granularity = plan.granularity();
        if (lambdaPruned == 0 && lambdaKept == 0) {
            return;
        }
        for (Map.Entry<String, GroupParams> e : keys.entrySet()) {
            String group = e.getKey();
            int n = plan.sizeOf(group);
            int[] pruned = plan.prunedOf(group);
            INDArray full = lambdas(n, pruned, lambdaPruned, lambdaKept);
            for (String key : e.getValue().full()) {
                lambdas.put(key, full);
            }
            if (lambdaPruned != 0 && !e.getValue().prunedOnly().isEmpty()) {
                INDArray prunedOnly = lambdas(n, pruned, lambdaPruned, 0);
                for (String key : e.getValue().prunedOnly()) {
                    lambdas.put(key, prunedOnly);
                }
            }
        }
    }

    private static INDArray lambdas(int n, int[] pruned, double lambdaPruned, double lambdaKept) {
        float[] l = new float[n];
        Arrays.fill(l, (float) lambdaKept);
        for (int i : pruned) {
            l[i] = (float) lambdaPruned;
        }
        return Nd4j.createFromArray(l);
    }

    /** The factors now applied per parameter key (a copy), for checks and reports. */
    public Map<String, float[]> penalties() {
        Map<String, float[]> out = new LinkedHashMap<>();
        lambdas.forEach((k, v) -> out.put(k, v.toFloatVector()));
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
        for (Map.Entry<String, INDArray> e : lambdas.entrySet()) {
            INDArray w = model.getParam(e.getKey());
            INDArray grad = model.gradient().getGradientFor(e.getKey());
            INDArray lambda = e.getValue();
            if (granularity == Granularity.FILTER && w.rank() > 2) {
                long n = w.size(0);
                INDArray term =
                        w.reshape('c', n, w.length() / n).mulColumnVector(lambda.reshape(n, 1));
                grad.addi(term.reshape('c', w.shape()).muli(scale));
            } else {
                grad.addi(w.mul(lambda.reshape(w.shape())).muli(scale));
            }
        }
    }

    @Override
    public void iterationDone(Model model, int iteration, int epoch) {
        for (Map.Entry<String, INDArray> e : masks.entrySet()) {
            model.getParam(e.getKey()).muli(e.getValue());
        }
    }
}
