package io.prunestream.core.nn.exports;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import onnx.Onnx;
import org.nd4j.shade.protobuf.ByteString;

/**
 * An ONNX graph under construction: nodes in execution order, weights as initializers, every name
 * unique. Thin on purpose: it knows ONNX's protobuf, not DL4J.
 */
final class OnnxGraph {
    private final List<Onnx.NodeProto.Builder> nodes = new ArrayList<>();
    private final List<Onnx.TensorProto> initializers = new ArrayList<>();
    private final Set<String> names = new HashSet<>();

    /** An attribute of a node. */
    record Attr(String name, Object value) {
        static Attr i(String name, long v) {
            return new Attr(name, v);
        }

        static Attr f(String name, double v) {
            return new Attr(name, (float) v);
        }

        static Attr ints(String name, long... v) {
            return new Attr(name, v);
        }

        static Attr s(String name, String v) {
            return new Attr(name, v);
        }
    }

    OnnxGraph(String... reserved) {
        names.addAll(List.of(reserved));
    }

    /** {@code base}, or {@code base_1}, {@code base_2}... if taken. */
    String unique(String base) {
        String n = base;
        for (int i = 1; !names.add(n); i++) {
            n = base + "_" + i;
        }
        return n;
    }

    /** Adds a node with one output named after {@code name}; returns that output. */
    String node(String op, String name, List<String> inputs, Attr... attrs) {
        String out = unique(name);
        Onnx.NodeProto.Builder n =
                Onnx.NodeProto.newBuilder()
                        .setOpType(op)
                        .setName(out)
                        .addAllInput(inputs)
                        .addOutput(out);
        for (Attr a : attrs) {
            n.addAttribute(attribute(a));
        }
        nodes.add(n);
        return out;
    }

    private static Onnx.AttributeProto attribute(Attr a) {
        Onnx.AttributeProto.Builder b = Onnx.AttributeProto.newBuilder().setName(a.name());
        if (a.value() instanceof Long v) {
            b.setType(Onnx.AttributeProto.AttributeType.INT).setI(v);
        } else if (a.value() instanceof Float v) {
            b.setType(Onnx.AttributeProto.AttributeType.FLOAT).setF(v);
        } else if (a.value() instanceof long[] v) {
            b.setType(Onnx.AttributeProto.AttributeType.INTS);
            for (long x : v) {
                b.addInts(x);
            }
        } else if (a.value() instanceof String v) {
            b.setType(Onnx.AttributeProto.AttributeType.STRING).setS(ByteString.copyFromUtf8(v));
        } else {
            throw new IllegalArgumentException("attribute " + a.name() + ": unsupported type");
        }
        return b.build();
    }

    /** A float32 constant of the given shape (values in row-major order). */
    String floats(String name, long[] dims, float[] values) {
        long size = 1;
        for (long d : dims) {
            size *= d;
        }
        if (size != values.length) {
            throw new IllegalArgumentException(
                    name + ": " + values.length + " values for " + size + " elements");
        }
        ByteBuffer raw = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asFloatBuffer().put(values);
        return initializer(name, dims, Onnx.TensorProto.DataType.FLOAT_VALUE, raw.array());
    }

    /** An int64 vector constant (shapes, pads, axes). */
    String int64s(String name, long... values) {
        ByteBuffer raw = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        raw.asLongBuffer().put(values);
        return initializer(
                name,
                new long[] {values.length},
                Onnx.TensorProto.DataType.INT64_VALUE,
                raw.array());
    }

    /** A float32 scalar constant. */
    String scalar(String name, float value) {
        return floats(name, new long[0], new float[] {value});
    }

    private String initializer(String name, long[] dims, int type, byte[] raw) {
        String n = unique(name);
        Onnx.TensorProto.Builder t = Onnx.TensorProto.newBuilder().setName(n).setDataType(type);
        for (long d : dims) {
            t.addDims(d);
        }
        initializers.add(t.setRawData(ByteString.copyFrom(raw)).build());
        return n;
    }

    /**
     * Renames the tensor {@code from} to {@code to} wherever a node reads or writes it (the
     * network's last tensor becomes the graph output).
     */
    void rename(String from, String to) {
        for (Onnx.NodeProto.Builder n : nodes) {
            for (int i = 0; i < n.getInputCount(); i++) {
                if (n.getInput(i).equals(from)) {
                    n.setInput(i, to);
                }
            }
            for (int i = 0; i < n.getOutputCount(); i++) {
                if (n.getOutput(i).equals(from)) {
                    n.setOutput(i, to);
                }
            }
        }
    }

    boolean produces(String tensor) {
        return nodes.stream().anyMatch(n -> n.getOutputList().contains(tensor));
    }

    /** A float32 tensor's name, type and shape; a dimension below 0 is the symbolic batch. */
    static Onnx.ValueInfoProto valueInfo(String name, long[] dims, String doc) {
        Onnx.TensorShapeProto.Builder shape = Onnx.TensorShapeProto.newBuilder();
        for (long d : dims) {
            shape.addDim(
                    d < 0
                            ? Onnx.TensorShapeProto.Dimension.newBuilder().setDimParam("batch")
                            : Onnx.TensorShapeProto.Dimension.newBuilder().setDimValue(d));
        }
        return Onnx.ValueInfoProto.newBuilder()
                .setName(name)
                .setDocString(doc)
                .setType(
                        Onnx.TypeProto.newBuilder()
                                .setTensorType(
                                        Onnx.TypeProto.Tensor.newBuilder()
                                                .setElemType(Onnx.TensorProto.DataType.FLOAT_VALUE)
                                                .setShape(shape)))
                .build();
    }

    Onnx.GraphProto build(String name, Onnx.ValueInfoProto input, Onnx.ValueInfoProto output) {
        Onnx.GraphProto.Builder g =
                Onnx.GraphProto.newBuilder().setName(name).addInput(input).addOutput(output);
        nodes.forEach(g::addNode);
        g.addAllInitializer(initializers);
        return g.build();
    }
}
