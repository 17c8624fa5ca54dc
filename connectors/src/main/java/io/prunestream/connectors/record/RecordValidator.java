package io.prunestream.connectors.record;

import java.io.Serializable;
import java.util.Arrays;

/**
 * Checks record values against what a job expects: a well-formed v1 record, of the expected sample
 * shape, with labels in {@code 0..classes-1} and float32 values that are finite and inside a {@link
 * ValueRange}. Never throws on bad bytes: every problem is a {@link Validation} with a {@link
 * RejectReason} and a detail naming the field, the value and the expectation.
 *
 * <pre>{@code
 * RecordValidator validator = new RecordValidator(new int[] {1, 28, 28}, 10);
 * Validation v = validator.validate(record.value());
 * if (v.isOk()) train(v.batch()); else deadLetter(v.reason(), v.detail());
 * }</pre>
 */
public final class RecordValidator implements Serializable {
    private static final long serialVersionUID = 1L;

    private final int[] expectedShape;
    private final int classes;
    private final ValueRange valueRange;

    /**
     * A validator with the {@link ValueRange#DEFAULT} range for float32 values.
     *
     * @param expectedShape dims of one sample, e.g. {1, 28, 28} (channels, height, width)
     * @param classes number of classes; labels must be in {@code 0..classes-1}
     */
    public RecordValidator(int[] expectedShape, int classes) {
        this(expectedShape, classes, ValueRange.DEFAULT);
    }

    /**
     * @param expectedShape dims of one sample, e.g. {1, 28, 28} (channels, height, width)
     * @param classes number of classes; labels must be in {@code 0..classes-1}
     * @param valueRange where float32 values must lie (uint8 values are 0..255 by construction)
     */
    public RecordValidator(int[] expectedShape, int classes, ValueRange valueRange) {
        checkShape(expectedShape);
        if (valueRange == null) {
            throw new IllegalArgumentException(
                    "value range is null: pass ValueRange.DEFAULT or ValueRange.parse(\"min,max\")");
        }
        if (classes < 1) {
            throw new IllegalArgumentException(
                    "classes is " + classes + ", expected >= 1 (e.g. 10 for Fashion-MNIST)");
        }
        this.expectedShape = expectedShape.clone();
        this.classes = classes;
        this.valueRange = valueRange;
    }

    /** Throws with a message saying what to change unless {@code shape} is a valid sample shape. */
    public static void checkShape(int[] shape) {
        if (shape == null || shape.length < 1 || shape.length > SampleBatch.MAX_RANK) {
            throw new IllegalArgumentException(
                    "expected sample shape is "
                            + Arrays.toString(shape)
                            + ", expected 1.."
                            + SampleBatch.MAX_RANK
                            + " dims of one sample, e.g. {1, 28, 28} for channels, height, width");
        }
        for (int d : shape) {
            if (d < 1) {
                throw new IllegalArgumentException(
                        "expected sample shape "
                                + Arrays.toString(shape)
                                + " has a dim below 1; every dim must be >= 1");
            }
        }
    }

    public int[] expectedShape() {
        return expectedShape.clone();
    }

    public int classes() {
        return classes;
    }

    public ValueRange valueRange() {
        return valueRange;
    }

    /** Decodes and checks {@code value} (may be null). */
    public Validation validate(byte[] value) {
        Validation v = SampleBatchCodec.parse(value);
        if (!v.isOk()) {
            return v;
        }
        SampleBatch b = v.batch();
        int[] shape = b.sampleShapeUnsafe();
        if (!Arrays.equals(shape, expectedShape)) {
            return Validation.reject(
                    RejectReason.SHAPE_MISMATCH,
                    "sample shape: "
                            + SampleBatchCodec.dimsText(shape, shape.length)
                            + ", expected "
                            + SampleBatchCodec.dimsText(expectedShape, expectedShape.length)
                            + "; produce samples of the job's shape or change the job's expected"
                            + " sample shape");
        }
        int[] labels = b.labelsUnsafe();
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= classes) {
                return Validation.reject(
                        RejectReason.LABEL_OUT_OF_RANGE,
                        "labels["
                                + i
                                + "]: "
                                + labels[i]
                                + ", expected 0.."
                                + (classes - 1)
                                + " (classes = "
                                + classes
                                + ")");
            }
        }
        if (b.dtype() == DType.FLOAT32) {
            return checkValues(b, v);
        }
        return v;
    }

    /**
     * Non-finite values first, wherever they are: a record with both a NaN and a huge value is
     * {@link RejectReason#NON_FINITE_VALUE}, as the reasons table orders them.
     */
    private Validation checkValues(SampleBatch b, Validation ok) {
        byte[] p = b.payloadUnsafe();
        int outOfRange = -1;
        float outOfRangeValue = 0f;
        for (int k = 0; k < p.length; k += 4) {
            float f =
                    Float.intBitsToFloat(
                            (p[k] & 0xff) << 24
                                    | (p[k + 1] & 0xff) << 16
                                    | (p[k + 2] & 0xff) << 8
                                    | (p[k + 3] & 0xff));
            if (!Float.isFinite(f)) {
                return Validation.reject(
                        RejectReason.NON_FINITE_VALUE,
                        where(k / 4, b) + ": " + f + ", expected a finite float32");
            }
            if (outOfRange < 0 && !valueRange.contains(f)) {
                outOfRange = k / 4;
                outOfRangeValue = f;
            }
        }
        if (outOfRange >= 0) {
            return Validation.reject(
                    RejectReason.VALUE_OUT_OF_RANGE,
                    where(outOfRange, b)
                            + ": "
                            + outOfRangeValue
                            + ", expected a value in "
                            + valueRange
                            + "; scale the values into the range or widen the accepted range");
        }
        return ok;
    }

    private static String where(int index, SampleBatch b) {
        return "value "
                + index
                + " (sample "
                + index / b.sampleSize()
                + ", element "
                + index % b.sampleSize()
                + ")";
    }

    @Override
    public String toString() {
        return "RecordValidator[shape="
                + SampleBatchCodec.dimsText(expectedShape, expectedShape.length)
                + ", classes="
                + classes
                + ", values="
                + valueRange
                + "]";
    }
}
