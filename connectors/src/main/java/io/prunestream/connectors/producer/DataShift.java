package io.prunestream.connectors.producer;

import io.prunestream.core.data.LabelledImages;
import io.prunestream.core.data.LabelledVectors;
import io.prunestream.core.nn.InputShape;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A change made on purpose to the samples a producer sends after the first {@code after} of them,
 * so that a stream drifts (for tests and the demo): images turned by 90 degrees, Gaussian noise, or
 * only some classes. Pure functions of the data: the same call gives the same samples.
 *
 * <pre>{@code
 * LabelledImages drifted = DataShift.parse("rotate90").apply(images, 30_000);
 * }</pre>
 */
public sealed interface DataShift permits DataShift.Rotate90, DataShift.Noise, DataShift.Classes {

    /** Text form, as {@link #parse} reads it. */
    String id();

    /** The samples with every one from index {@code after} on shifted. */
    LabelledImages apply(LabelledImages data, long after);

    /** The same for feature vectors. */
    LabelledVectors apply(LabelledVectors data, long after);

    /**
     * {@code rotate90}, {@code noise:SIGMA} (standard deviation in units of the value range, e.g.
     * 0.3) or {@code classes:A-B} (only labels A..B are sent from then on).
     */
    static DataShift parse(String s) {
        String v = s == null ? "" : s.trim().toLowerCase(Locale.ROOT);
        try {
            if (v.equals("rotate90")) {
                return new Rotate90();
            }
            if (v.startsWith("noise:")) {
                return new Noise(Double.parseDouble(v.substring("noise:".length())));
            }
            if (v.startsWith("classes:")) {
                String[] r = v.substring("classes:".length()).split("-");
                int a = Integer.parseInt(r[0].trim());
                return new Classes(a, r.length == 1 ? a : Integer.parseInt(r[1].trim()));
            }
        } catch (NumberFormatException | ArrayIndexOutOfBoundsException e) {
            // the message below says what is expected
        }
        throw new IllegalArgumentException(
                "unknown shift '"
                        + s
                        + "': use rotate90, noise:SIGMA (e.g. noise:0.3) or classes:A-B (e.g."
                        + " classes:0-4)");
    }

    /** Each image turned 90 degrees clockwise (square images). */
    record Rotate90() implements DataShift {
        @Override
        public String id() {
            return "rotate90";
        }

        @Override
        public LabelledImages apply(LabelledImages data, long after) {
            InputShape s = data.shape();
            if (s.isVector() || s.height() != s.width()) {
                throw new IllegalArgumentException(
                        "shift rotate90 turns square images, but the samples are " + s);
            }
            byte[] p = data.pixels().clone();
            int n = s.height();
            int plane = n * n;
            for (long i = Math.max(0, after); i < data.size(); i++) {
                for (int c = 0; c < s.channels(); c++) {
                    int base = (int) (i * s.size() + (long) c * plane);
                    for (int y = 0; y < n; y++) {
                        for (int x = 0; x < n; x++) {
                            // (y, x) of the turned image is (n-1-x, y) of the original
                            p[base + y * n + x] = data.pixels()[base + (n - 1 - x) * n + y];
                        }
                    }
                }
            }
            return new LabelledImages(data.name(), s, data.classes(), p, data.labels());
        }

        @Override
        public LabelledVectors apply(LabelledVectors data, long after) {
            throw new IllegalArgumentException(
                    "shift rotate90 turns images, but " + data.name() + " holds feature vectors");
        }
    }

    /**
     * Gaussian noise of standard deviation {@code sigma} (of the 0..1 range for images, as it is
     * for feature vectors), the same for the same sample index.
     */
    record Noise(double sigma) implements DataShift {
        public Noise {
            if (!(sigma > 0 && Double.isFinite(sigma))) {
                throw new IllegalArgumentException(
                        "shift noise:" + sigma + ": the standard deviation must be > 0");
            }
        }

        @Override
        public String id() {
            return "noise:" + sigma;
        }

        @Override
        public LabelledImages apply(LabelledImages data, long after) {
            byte[] p = data.pixels().clone();
            int per = data.shape().size();
            for (long i = Math.max(0, after); i < data.size(); i++) {
                SplittableRandom r = new SplittableRandom(i);
                for (int k = 0; k < per; k++) {
                    int at = (int) (i * per + k);
                    double v = (p[at] & 0xff) + 255 * sigma * gaussian(r);
                    p[at] = (byte) Math.max(0, Math.min(255, Math.round(v)));
                }
            }
            return new LabelledImages(data.name(), data.shape(), data.classes(), p, data.labels());
        }

        @Override
        public LabelledVectors apply(LabelledVectors data, long after) {
            float[] v = data.values().clone();
            int per = data.features();
            for (long i = Math.max(0, after); i < data.size(); i++) {
                SplittableRandom r = new SplittableRandom(i);
                for (int k = 0; k < per; k++) {
                    v[(int) (i * per + k)] += (float) (sigma * gaussian(r));
                }
            }
            return new LabelledVectors(data.name(), per, v, data.labels());
        }

        private static double gaussian(SplittableRandom r) {
            double u = 1 - r.nextDouble(); // (0, 1]
            return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * r.nextDouble());
        }
    }

    /** From then on only samples labelled {@code from}..{@code to} (a label shift). */
    record Classes(int from, int to) implements DataShift {
        public Classes {
            if (from < 0 || to < from) {
                throw new IllegalArgumentException(
                        "shift classes:"
                                + from
                                + "-"
                                + to
                                + ": write classes:A-B with 0 <= A <= B");
            }
        }

        @Override
        public String id() {
            return "classes:" + from + "-" + to;
        }

        private boolean[] kept(int[] labels, long after) {
            boolean[] keep = new boolean[labels.length];
            for (int i = 0; i < labels.length; i++) {
                keep[i] = i < after || (labels[i] >= from && labels[i] <= to);
            }
            return keep;
        }

        @Override
        public LabelledImages apply(LabelledImages data, long after) {
            boolean[] keep = kept(data.labels(), after);
            int per = data.shape().size();
            int n = count(keep);
            byte[] p = new byte[n * per];
            int[] l = new int[n];
            for (int i = 0, k = 0; i < keep.length; i++) {
                if (keep[i]) {
                    System.arraycopy(data.pixels(), i * per, p, k * per, per);
                    l[k++] = data.labels()[i];
                }
            }
            return new LabelledImages(data.name(), data.shape(), data.classes(), p, l);
        }

        @Override
        public LabelledVectors apply(LabelledVectors data, long after) {
            boolean[] keep = kept(data.labels(), after);
            int per = data.features();
            int n = count(keep);
            float[] v = new float[n * per];
            int[] l = new int[n];
            for (int i = 0, k = 0; i < keep.length; i++) {
                if (keep[i]) {
                    System.arraycopy(data.values(), i * per, v, k * per, per);
                    l[k++] = data.labels()[i];
                }
            }
            return new LabelledVectors(data.name(), per, v, l);
        }

        private static int count(boolean[] keep) {
            int n = 0;
            for (boolean b : keep) {
                n += b ? 1 : 0;
            }
            return n;
        }
    }
}
