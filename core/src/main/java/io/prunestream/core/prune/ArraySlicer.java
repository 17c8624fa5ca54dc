package io.prunestream.core.prune;

/** Selects indices along one axis of a dense c-order array held as a float[]. */
final class ArraySlicer {
    private ArraySlicer() {}

    static float[] select(float[] data, long[] shape, int axis, int[] indices) {
        long outer = 1;
        for (int i = 0; i < axis; i++) {
            outer *= shape[i];
        }
        long inner = 1;
        for (int i = axis + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        int n = (int) shape[axis];
        int in = (int) inner;
        float[] out = new float[(int) (outer * indices.length * inner)];
        int k = 0;
        for (long o = 0; o < outer; o++) {
            int base = (int) (o * n * inner);
            for (int idx : indices) {
                System.arraycopy(data, base + idx * in, out, k, in);
                k += in;
            }
        }
        return out;
    }
}
