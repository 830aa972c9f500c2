package io.modelhub.storage.imports;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The parts of an ONNX model that a weight import needs: the main graph's initializers (named tensors) and its
 * nodes (op type, input and output names, and the tensor of a Constant node). Read straight from the protobuf wire
 * format, so that hub-storage needs neither protobuf nor ONNX's generated classes; every field not listed here is
 * skipped. Field numbers from onnx.proto: ModelProto.graph 7; GraphProto.node 1, initializer 5; NodeProto.input 1,
 * output 2, name 3, op_type 4, attribute 5; AttributeProto.name 1, t 5; TensorProto.dims 1, data_type 2,
 * float_data 4, int32_data 5, int64_data 7, name 8, raw_data 9, data_location 14.
 */
public record OnnxGraph(List<Tensor> initializers, List<Node> nodes) {

    public static final int FLOAT = 1;
    public static final int INT32 = 6;
    public static final int INT64 = 7;

    /** An ONNX tensor; float32 data in {@code floats}, integer data (int32 or int64) in {@code longs}. */
    public record Tensor(String name, long[] dims, int dataType, float[] floats, long[] longs) {
        public long elements() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }

        @Override
        public String toString() {
            return name + Arrays.toString(dims) + " type " + dataType;
        }
    }

    /** A graph node; {@code value} is the tensor of a Constant node's "value" attribute, else null. */
    public record Node(String name, String opType, List<String> inputs, List<String> outputs, Tensor value) {
    }

    public static OnnxGraph read(InputStream in) throws IOException {
        return read(in.readAllBytes());
    }

    /** @throws IllegalArgumentException when the bytes are not an ONNX model */
    public static OnnxGraph read(byte[] model) {
        try {
            return parse(model);
        } catch (java.nio.BufferUnderflowException | IndexOutOfBoundsException | ArithmeticException e) {
            throw new IllegalArgumentException("not an ONNX model (truncated or not protobuf): " + e, e);
        }
    }

    private static OnnxGraph parse(byte[] model) {
        Wire wire = new Wire(ByteBuffer.wrap(model));
        ByteBuffer graph = null;
        while (wire.hasMore()) {
            int tag = wire.tag();
            if (tag >>> 3 == 7 && (tag & 7) == 2) {
                graph = wire.bytes();
            } else {
                wire.skip(tag);
            }
        }
        if (graph == null) {
            throw new IllegalArgumentException("not an ONNX model: no graph (ModelProto field 7)");
        }
        List<Tensor> initializers = new ArrayList<>();
        List<Node> nodes = new ArrayList<>();
        Wire g = new Wire(graph);
        while (g.hasMore()) {
            int tag = g.tag();
            int field = tag >>> 3;
            if (field == 1 && (tag & 7) == 2) {
                nodes.add(node(g.bytes()));
            } else if (field == 5 && (tag & 7) == 2) {
                initializers.add(tensor(g.bytes()));
            } else {
                g.skip(tag);
            }
        }
        return new OnnxGraph(List.copyOf(initializers), List.copyOf(nodes));
    }

    private static Node node(ByteBuffer bytes) {
        Wire w = new Wire(bytes);
        List<String> inputs = new ArrayList<>();
        List<String> outputs = new ArrayList<>();
        String name = "";
        String opType = "";
        Tensor value = null;
        while (w.hasMore()) {
            int tag = w.tag();
            switch (tag >>> 3) {
                case 1 -> inputs.add(w.string());
                case 2 -> outputs.add(w.string());
                case 3 -> name = w.string();
                case 4 -> opType = w.string();
                case 5 -> {
                    Tensor t = attributeTensor(w.bytes(), "value");
                    value = t != null ? t : value;
                }
                default -> w.skip(tag);
            }
        }
        return new Node(name, opType, List.copyOf(inputs), List.copyOf(outputs), value);
    }

    private static Tensor attributeTensor(ByteBuffer bytes, String wanted) {
        Wire w = new Wire(bytes);
        String name = null;
        ByteBuffer t = null;
        while (w.hasMore()) {
            int tag = w.tag();
            switch (tag >>> 3) {
                case 1 -> name = w.string();
                case 5 -> t = w.bytes();
                default -> w.skip(tag);
            }
        }
        return wanted.equals(name) && t != null ? tensor(t) : null;
    }

    private static Tensor tensor(ByteBuffer bytes) {
        Wire w = new Wire(bytes);
        List<Long> dims = new ArrayList<>();
        int dataType = 0;
        String name = "";
        ByteBuffer raw = null;
        List<Float> floatData = new ArrayList<>();
        List<Long> intData = new ArrayList<>();
        while (w.hasMore()) {
            int tag = w.tag();
            int wireType = tag & 7;
            switch (tag >>> 3) {
                case 1 -> w.varints(wireType, dims);
                case 2 -> dataType = (int) w.varint();
                case 4 -> w.floats(wireType, floatData);
                case 5, 7 -> w.varints(wireType, intData);
                case 8 -> name = w.string();
                case 9 -> raw = w.bytes();
                case 14 -> {
                    if (w.varint() == 1) {
                        throw new IllegalArgumentException("ONNX tensor " + name + " keeps its data in an external "
                                + "file; only self-contained .onnx models can be imported");
                    }
                }
                default -> w.skip(tag);
            }
        }
        long[] shape = dims.stream().mapToLong(Long::longValue).toArray();
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        int n = Math.toIntExact(count);
        float[] floats = null;
        long[] longs = null;
        if (dataType == FLOAT) {
            floats = new float[n];
            if (raw != null) {
                raw.order(ByteOrder.LITTLE_ENDIAN).asFloatBuffer().get(floats);
            } else {
                for (int i = 0; i < n; i++) {
                    floats[i] = floatData.get(i);
                }
            }
        } else if (dataType == INT64 || dataType == INT32) {
            longs = new long[n];
            if (raw != null) {
                ByteBuffer le = raw.order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) {
                    longs[i] = dataType == INT64 ? le.getLong() : le.getInt();
                }
            } else {
                for (int i = 0; i < n; i++) {
                    longs[i] = intData.get(i);
                }
            }
        }
        return new Tensor(name, shape, dataType, floats, longs);
    }

    /** Protobuf wire-format primitives over a buffer. */
    private static final class Wire {
        private final ByteBuffer buf;

        Wire(ByteBuffer buf) {
            this.buf = buf;
        }

        boolean hasMore() {
            return buf.hasRemaining();
        }

        int tag() {
            return (int) varint();
        }

        long varint() {
            long result = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = buf.get();
                result |= (long) (b & 0x7f) << shift;
                if ((b & 0x80) == 0) {
                    return result;
                }
            }
            throw new IllegalArgumentException("not an ONNX model: malformed protobuf varint");
        }

        ByteBuffer bytes() {
            int length = Math.toIntExact(varint());
            ByteBuffer slice = buf.slice(buf.position(), length);
            buf.position(buf.position() + length);
            return slice;
        }

        String string() {
            ByteBuffer b = bytes();
            byte[] a = new byte[b.remaining()];
            b.get(a);
            return new String(a, StandardCharsets.UTF_8);
        }

        /** A repeated integer field, packed (wire type 2) or one value (wire type 0). */
        void varints(int wireType, List<Long> into) {
            if (wireType == 2) {
                Wire packed = new Wire(bytes());
                while (packed.hasMore()) {
                    into.add(packed.varint());
                }
            } else {
                into.add(varint());
            }
        }

        void floats(int wireType, List<Float> into) {
            if (wireType == 2) {
                ByteBuffer packed = bytes().order(ByteOrder.LITTLE_ENDIAN);
                while (packed.hasRemaining()) {
                    into.add(packed.getFloat());
                }
            } else {
                into.add(Float.intBitsToFloat(Integer.reverseBytes(buf.getInt())));
            }
        }

        void skip(int tag) {
            switch (tag & 7) {
                case 0 -> varint();
                case 1 -> buf.position(buf.position() + 8);
                case 2 -> bytes();
                case 5 -> buf.position(buf.position() + 4);
                default -> throw new IllegalArgumentException("not an ONNX model: protobuf wire type " + (tag & 7)
                        + " (groups) is not used by onnx.proto");
            }
        }
    }
}
