package io.modelhub.runners.recipes.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.nn.Parameter;
import io.modelhub.storage.inspect.InspectionException;
import io.modelhub.storage.inspect.SafetensorsHeader;
import io.modelhub.storage.inspect.SafetensorsWriter;
import io.modelhub.storage.inspect.TensorInfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads and writes model.safetensors by tensor name, in Java with hub-storage's {@link SafetensorsHeader} and
 * {@link SafetensorsWriter}: DJL's NDList codec lost the tensor order, wrote no {"format": "pt"} metadata (which
 * older transformers versions require) and aborted the JVM on a float16 file.
 */
public final class Safetensors {

    private Safetensors() {
    }

    /** A tensor copied to the Java heap as float32, independent of any NDManager or device. */
    public record HostTensor(long[] shape, float[] data) {
        public String shapeString() {
            return java.util.Arrays.toString(shape);
        }
    }

    /**
     * All tensors of a file, converted to float32 (a model saved in float16 or bfloat16 elsewhere still loads).
     * Read in Java, header by {@link SafetensorsHeader}: DJL's codec aborted the JVM on a float16 file.
     *
     * @throws InvalidModelException when the file is missing or not safetensors
     */
    public static Map<String, HostTensor> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException("model has no " + file.getFileName() + " (looked for " + file + ")");
        }
        Map<String, HostTensor> tensors = new TreeMap<>();
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            SafetensorsHeader header;
            try {
                long length = SafetensorsHeader.headerLength(readFully(channel, 0, (int) Math.min(8, size)).array(), size);
                header = SafetensorsHeader.parse(readFully(channel, 8, (int) length).array(), size);
            } catch (InspectionException e) {
                throw new InvalidModelException(file.getFileName() + " is not a readable safetensors file: "
                        + e.getMessage(), e);
            }
            for (TensorInfo info : header.tensors()) {
                long[] shape = info.shape().stream().mapToLong(Long::longValue).toArray();
                ByteBuffer bytes = readFully(channel, header.dataOffset() + info.begin(),
                        Math.toIntExact(info.end() - info.begin())).order(ByteOrder.LITTLE_ENDIAN);
                tensors.put(info.name(), new HostTensor(shape, floats(file, info, bytes)));
            }
        }
        return tensors;
    }

    /** The tensor names of a file, from its header alone (nothing else is read). */
    public static java.util.Set<String> names(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException("model has no " + file.getFileName() + " (looked for " + file + ")");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            long length = SafetensorsHeader.headerLength(readFully(channel, 0, (int) Math.min(8, size)).array(), size);
            java.util.Set<String> names = new java.util.TreeSet<>();
            SafetensorsHeader.parse(readFully(channel, 8, (int) length).array(), size).tensors()
                    .forEach(t -> names.add(t.name()));
            return names;
        } catch (InspectionException e) {
            throw new InvalidModelException(file.getFileName() + " is not a readable safetensors file: "
                    + e.getMessage(), e);
        }
    }

    private static float[] floats(Path file, TensorInfo info, ByteBuffer bytes) {
        int n = Math.toIntExact(info.parameters());
        float[] values = new float[n];
        switch (info.dtype()) {
            case "F32" -> bytes.asFloatBuffer().get(values);
            case "F16" -> {
                for (int i = 0; i < n; i++) {
                    values[i] = halfToFloat(bytes.getShort());
                }
            }
            // bfloat16 is the upper half of a float32
            case "BF16" -> {
                for (int i = 0; i < n; i++) {
                    values[i] = Float.intBitsToFloat((bytes.getShort() & 0xffff) << 16);
                }
            }
            case "F64" -> {
                for (int i = 0; i < n; i++) {
                    values[i] = (float) bytes.getDouble();
                }
            }
            case "I64" -> {
                for (int i = 0; i < n; i++) {
                    values[i] = bytes.getLong();
                }
            }
            case "I32" -> {
                for (int i = 0; i < n; i++) {
                    values[i] = bytes.getInt();
                }
            }
            default -> throw new InvalidModelException(file.getFileName() + " tensor " + info.name() + " has dtype "
                    + info.dtype() + "; readable are F32, F16, BF16, F64, I64 and I32");
        }
        return values;
    }

    /** IEEE 754 binary16 to float (Float.float16ToFloat is Java 20). */
    static float halfToFloat(short half) {
        int h = half & 0xffff;
        int sign = (h & 0x8000) << 16;
        int exponent = (h >>> 10) & 0x1f;
        int mantissa = h & 0x3ff;
        if (exponent == 0x1f) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mantissa << 13));
        }
        if (exponent == 0) {
            // zero or subnormal: mantissa * 2^-24
            float value = mantissa * 0x1p-24f;
            return sign == 0 ? value : -value;
        }
        return Float.intBitsToFloat(sign | ((exponent + 112) << 23) | (mantissa << 13));
    }

    private static ByteBuffer readFully(FileChannel channel, long position, int length) throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(length);
        while (buffer.hasRemaining()) {
            if (channel.read(buffer, position + buffer.position()) < 0) {
                throw new InvalidModelException("safetensors file ends before byte " + (position + length));
            }
        }
        return buffer.flip();
    }

    /** Writes parameters' current values under their names (a block's namedParameters()), as {@link #write}. */
    public static void writeParameters(Path file, Map<String, Parameter> parameters) throws IOException {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> arrays.put(name, parameter.getArray()));
        write(file, arrays);
    }

    /**
     * Writes the arrays under their map keys (sorted, so equal weights give an equal file) with transformers'
     * {"format": "pt"} metadata, as float32 (int64 arrays as int64), through hub-storage's
     * {@link SafetensorsWriter}: to a temporary file first, so that a crash never leaves a truncated
     * model.safetensors behind.
     */
    public static void write(Path file, Map<String, NDArray> arrays) throws IOException {
        SafetensorsWriter writer = new SafetensorsWriter().metadata("format", "pt");
        for (Map.Entry<String, NDArray> entry : arrays.entrySet()) {
            NDArray array = entry.getValue();
            long[] shape = array.getShape().getShape();
            if (array.getDataType() == DataType.INT64) {
                writer.putInt64(entry.getKey(), shape, array.toLongArray());
            } else if (array.getDataType() == DataType.FLOAT32) {
                writer.putFloat32(entry.getKey(), shape, array.toFloatArray());
            } else {
                try (NDArray floats = array.toType(DataType.FLOAT32, true)) {
                    writer.putFloat32(entry.getKey(), shape, floats.toFloatArray());
                }
            }
        }
        writer.write(file);
    }
}
