package io.prunestream.core.nn;

import java.lang.reflect.Field;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.IntStream;
import org.deeplearning4j.nn.api.Layer;
import org.deeplearning4j.nn.conf.CNN2DFormat;
import org.deeplearning4j.nn.gradient.DefaultGradient;
import org.deeplearning4j.nn.gradient.Gradient;
import org.deeplearning4j.nn.layers.normalization.BatchNormalization;
import org.deeplearning4j.nn.layers.normalization.BatchNormalizationHelper;
import org.deeplearning4j.nn.params.BatchNormalizationParamInitializer;
import org.deeplearning4j.nn.workspace.ArrayType;
import org.deeplearning4j.nn.workspace.LayerWorkspaceMgr;
import org.nd4j.common.primitives.Pair;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * BatchNorm for NCHW float activations in one pass per direction, channels in parallel.
 *
 * <p>DL4J 1.0.0-M2.1 computes the batch variance with a strided reduction and runs a generic {@code
 * batchnorm_bp} op: together about as slow as all convolutions of a small CNN (see README, Training
 * speed). This helper plugs into DL4J's own helper slot of each BatchNormalization layer and
 * computes the same quantities (biased batch variance, like the oneDNN helper) with plain loops
 * over contiguous memory. Anything else (NHWC, rank 2, other data types, non-contiguous arrays)
 * returns null, which makes DL4J use its built-in path.
 */
public final class FastBatchNorm implements BatchNormalizationHelper {
    private static final boolean CPU =
            "CPU"
                    .equalsIgnoreCase(
                            Nd4j.getExecutioner()
                                    .getEnvironmentInformation()
                                    .getProperty("backend"));

    private INDArray meanCache;
    private INDArray varCache;
    private float[] mean = new float[0];
    private float[] invStd = new float[0];

    /** Installs the helper on every BatchNorm layer of the network (and so replaces oneDNN's). */
    static void install(Layer[] layers) {
        if (!CPU) {
            return; // on a GPU, cuDNN's helper is the fast path
        }
        for (Layer l : layers) {
            if (l instanceof BatchNormalization bn) {
                set(bn, new FastBatchNorm());
            }
        }
    }

    /**
     * Removes every BatchNorm helper, so DL4J runs its built-in ND4J ops (for comparisons: unlike
     * oneDNN's kernels, which are chosen per CPU, that path computes the same on every machine).
     */
    static void uninstall(Layer[] layers) {
        for (Layer l : layers) {
            if (l instanceof BatchNormalization bn) {
                set(bn, null);
            }
        }
    }

    static boolean installedOn(Layer[] layers) {
        for (Layer l : layers) {
            if (l instanceof BatchNormalization bn && !(bn.getHelper() instanceof FastBatchNorm)) {
                return false;
            }
        }
        return true;
    }

    private static void set(BatchNormalization layer, FastBatchNorm helper) {
        try {
            Field f = BatchNormalization.class.getDeclaredField("helper");
            f.setAccessible(true);
            f.set(layer, helper);
        } catch (ReflectiveOperationException | RuntimeException e) {
            // a DL4J without this field: keep its own helper
        }
    }

    @Override
    public boolean checkSupported(double eps, boolean fixedGammaBeta) {
        return !fixedGammaBeta;
    }

    @Override
    public boolean checkSupported() {
        return true;
    }

    @Override
    public Map<String, Long> helperMemoryUse() {
        return Map.of();
    }

    @Override
    public INDArray getMeanCache(DataType dataType) {
        return meanCache;
    }

    @Override
    public INDArray getVarCache(DataType dataType) {
        return varCache;
    }

    private static boolean usable(INDArray a, CNN2DFormat format) {
        return a != null
                && a.rank() == 4
                && format == CNN2DFormat.NCHW
                && a.dataType() == DataType.FLOAT
                && a.ordering() == 'c'
                && Shape.hasDefaultStridesForShape(a)
                && a.offset() + a.length() <= a.data().asNioFloat().capacity();
    }

    private static float[] vector(INDArray v, int c, float fallback) {
        float[] out = new float[c];
        if (v == null) {
            Arrays.fill(out, fallback);
            return out;
        }
        for (int i = 0; i < c; i++) {
            out[i] = v.getFloat(i);
        }
        return out;
    }

    @Override
    public INDArray preOutput(
            INDArray x,
            boolean training,
            long[] shape,
            INDArray gamma,
            INDArray beta,
            INDArray globalMean,
            INDArray globalVar,
            double decay,
            double eps,
            CNN2DFormat format,
            LayerWorkspaceMgr workspaceMgr) {
        if (!usable(x, format)) {
            return null;
        }
        int n = (int) x.size(0);
        int c = (int) x.size(1);
        int hw = (int) (x.size(2) * x.size(3));
        FloatBuffer in = x.data().asNioFloat();
        int inBase = (int) x.offset();
        mean = new float[c];
        invStd = new float[c];
        float[] var = new float[c];
        if (training) {
            double count = (double) n * hw;
            IntStream.range(0, c)
                    .parallel()
                    .forEach(
                            ch -> {
                                double sum = 0;
                                double sq = 0;
                                for (int s = 0; s < n; s++) {
                                    int base = inBase + (s * c + ch) * hw;
                                    for (int i = 0; i < hw; i++) {
                                        double v = in.get(base + i);
                                        sum += v;
                                        sq += v * v;
                                    }
                                }
                                double m = sum / count;
                                mean[ch] = (float) m;
                                var[ch] = (float) Math.max(0, sq / count - m * m);
                            });
            try (MemoryWorkspace ws = Nd4j.getMemoryManager().scopeOutOfWorkspaces()) {
                meanCache = Nd4j.createFromArray(mean.clone());
                varCache = Nd4j.createFromArray(var.clone());
            }
        } else {
            float[] gm = vector(globalMean, c, 0);
            float[] gv = vector(globalVar, c, 1);
            System.arraycopy(gm, 0, mean, 0, c);
            System.arraycopy(gv, 0, var, 0, c);
        }
        float[] g = vector(gamma, c, 1);
        float[] b = vector(beta, c, 0);
        INDArray y =
                workspaceMgr.createUninitialized(
                        ArrayType.ACTIVATIONS, x.dataType(), x.shape(), 'c');
        FloatBuffer out = y.data().asNioFloat();
        int outBase = (int) y.offset();
        IntStream.range(0, c)
                .parallel()
                .forEach(
                        ch -> {
                            float inv = (float) (1.0 / Math.sqrt(var[ch] + eps));
                            invStd[ch] = inv;
                            float scale = g[ch] * inv;
                            float shift = b[ch] - mean[ch] * scale;
                            for (int s = 0; s < n; s++) {
                                int off = (s * c + ch) * hw;
                                for (int i = 0; i < hw; i++) {
                                    out.put(
                                            outBase + off + i,
                                            in.get(inBase + off + i) * scale + shift);
                                }
                            }
                        });
        return y;
    }

    @Override
    public Pair<Gradient, INDArray> backpropGradient(
            INDArray x,
            INDArray epsilon,
            long[] shape,
            INDArray gamma,
            INDArray beta,
            INDArray dGammaView,
            INDArray dBetaView,
            double eps,
            CNN2DFormat format,
            LayerWorkspaceMgr workspaceMgr) {
        if (!usable(x, format) || !usable(epsilon, format) || mean.length != x.size(1)) {
            return null;
        }
        int n = (int) x.size(0);
        int c = (int) x.size(1);
        int hw = (int) (x.size(2) * x.size(3));
        double count = (double) n * hw;
        FloatBuffer in = x.data().asNioFloat();
        FloatBuffer e = epsilon.data().asNioFloat();
        int inBase = (int) x.offset();
        int eBase = (int) epsilon.offset();
        float[] g = vector(gamma, c, 1);
        float[] dGamma = new float[c];
        float[] dBeta = new float[c];
        INDArray dx =
                workspaceMgr.createUninitialized(
                        ArrayType.ACTIVATION_GRAD, x.dataType(), x.shape(), 'c');
        FloatBuffer out = dx.data().asNioFloat();
        int outBase = (int) dx.offset();
        IntStream.range(0, c)
                .parallel()
                .forEach(
                        ch -> {
                            float m = mean[ch];
                            float inv = invStd[ch];
                            double sumE = 0;
                            double sumEx = 0;
                            for (int s = 0; s < n; s++) {
                                int off = (s * c + ch) * hw;
                                for (int i = 0; i < hw; i++) {
                                    float ev = e.get(eBase + off + i);
                                    sumE += ev;
                                    sumEx += ev * (in.get(inBase + off + i) - m) * inv;
                                }
                            }
                            dBeta[ch] = (float) sumE;
                            dGamma[ch] = (float) sumEx;
                            // dx = gamma * inv * (e - mean(e) - xhat * mean(e * xhat))
                            float k = g[ch] * inv;
                            float meanE = (float) (sumE / count);
                            float meanEx = (float) (sumEx / count);
                            for (int s = 0; s < n; s++) {
                                int off = (s * c + ch) * hw;
                                for (int i = 0; i < hw; i++) {
                                    float xhat = (in.get(inBase + off + i) - m) * inv;
                                    out.put(
                                            outBase + off + i,
                                            k * (e.get(eBase + off + i) - meanE - xhat * meanEx));
                                }
                            }
                        });
        for (int ch = 0; ch < c; ch++) {
            dGammaView.putScalar(ch, dGamma[ch]);
            dBetaView.putScalar(ch, dBeta[ch]);
        }
        Gradient grad = new DefaultGradient();
        grad.setGradientFor(BatchNormalizationParamInitializer.GAMMA, dGammaView);
        grad.setGradientFor(BatchNormalizationParamInitializer.BETA, dBetaView);
        return new Pair<>(grad, dx);
    }
}
