package io.prunestream.core.nn.exports;

import java.util.Map;
import org.deeplearning4j.nn.conf.layers.BatchNormalization;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A BatchNorm layer at inference: {@code y = gamma * (x - mean) / sqrt(var + eps) + beta} per
 * channel, as DL4J computes it (the variance from {@code var}, or {@code (10^log10stdev)^2} when
 * the layer keeps log standard deviations; gamma and beta from the configuration when they are
 * locked). Folding it into the layer before it gives that layer per-channel {@link #scale()} and
 * {@link #shift()}.
 */
record BatchNormValues(double[] gamma, double[] beta, double[] mean, double[] var, double eps) {

    static BatchNormValues of(BatchNormalization conf, Map<String, INDArray> params, String node) {
        double[] mean = vector(params, node, "mean");
        int c = mean.length;
        double[] var;
        if (params.containsKey(node + "_var")) {
            var = vector(params, node, "var");
        } else {
            var = vector(params, node, "log10stdev");
            for (int i = 0; i < c; i++) {
                double std = Math.pow(10, var[i]);
                var[i] = std * std;
            }
        }
        double[] gamma = constantOr(params, node, "gamma", conf.getGamma(), c);
        double[] beta = constantOr(params, node, "beta", conf.getBeta(), c);
        return new BatchNormValues(gamma, beta, mean, var, conf.getEps());
    }

    private static double[] vector(Map<String, INDArray> params, String node, String key) {
        INDArray a = params.get(node + "_" + key);
        if (a == null) {
            throw new IllegalStateException("BatchNorm node " + node + " has no parameter " + key);
        }
        return a.dup().data().asDouble();
    }

    private static double[] constantOr(
            Map<String, INDArray> params, String node, String key, double locked, int c) {
        if (params.containsKey(node + "_" + key)) {
            return vector(params, node, key);
        }
        double[] v = new double[c];
        java.util.Arrays.fill(v, locked);
        return v;
    }

    int channels() {
        return mean.length;
    }

    /** Per channel: gamma / sqrt(var + eps). */
    double[] scale() {
        double[] s = new double[channels()];
        for (int i = 0; i < s.length; i++) {
            s[i] = gamma[i] / Math.sqrt(var[i] + eps);
        }
        return s;
    }

    /** Per channel: beta - mean * scale (what a zero input becomes). */
    double[] shift() {
        double[] s = scale();
        double[] out = new double[s.length];
        for (int i = 0; i < s.length; i++) {
            out[i] = beta[i] - mean[i] * s[i];
        }
        return out;
    }

    /**
     * Folds this BatchNorm into the layer before it, in place: that layer's weight (output channel
     * {@code o} at {@code o * stride + j} for {@code outFirst}, else at {@code j * channels + o})
     * is scaled by {@code scale[o]}; returns the new bias {@code (b - mean) * scale + beta}.
     *
     * @param bias the layer's bias, or null for none
     */
    float[] fold(float[] weight, boolean outFirst, float[] bias) {
        int c = channels();
        double[] scale = scale();
        int per = weight.length / c;
        for (int o = 0; o < c; o++) {
            for (int j = 0; j < per; j++) {
                int i = outFirst ? o * per + j : j * c + o;
                weight[i] = (float) (weight[i] * scale[o]);
            }
        }
        float[] b = new float[c];
        for (int o = 0; o < c; o++) {
            double before = bias == null ? 0 : bias[o];
            b[o] = (float) ((before - mean[o]) * scale[o] + beta[o]);
        }
        return b;
    }

    static float[] floats(double[] v) {
        float[] f = new float[v.length];
        for (int i = 0; i < v.length; i++) {
            f[i] = (float) v[i];
        }
        return f;
    }
}
