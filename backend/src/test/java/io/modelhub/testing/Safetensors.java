package io.modelhub.testing;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Builds small but valid safetensors files: named tensors with shapes, filled with zeros or given F32 values. */
public final class Safetensors {
    private final Map<String, long[]> tensors = new LinkedHashMap<>();
    private final Map<String, String> dtypes = new LinkedHashMap<>();
    private final Map<String, float[]> values = new LinkedHashMap<>();

    public static Safetensors builder() {
        return new Safetensors();
    }

    public Safetensors tensor(String name, String dtype, long... shape) {
        tensors.put(name, shape);
        dtypes.put(name, dtype);
        return this;
    }

    /** An F32 tensor with these values, row-major. */
    public Safetensors f32(String name, float[] data, long... shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(name + ": " + data.length + " values for shape " + java.util.Arrays.toString(shape));
        }
        values.put(name, data.clone());
        return tensor(name, "F32", shape);
    }

    public byte[] build() {
        StringBuilder header = new StringBuilder("{\"__metadata__\":{\"format\":\"pt\"}");
        long offset = 0;
        List<Long> sizes = new ArrayList<>();
        for (Map.Entry<String, long[]> t : tensors.entrySet()) {
            long n = 1;
            StringBuilder shape = new StringBuilder();
            for (long d : t.getValue()) {
                n *= d;
                shape.append(shape.length() == 0 ? "" : ",").append(d);
            }
            long bytes = n * width(dtypes.get(t.getKey()));
            header.append(",\"").append(t.getKey()).append("\":{\"dtype\":\"").append(dtypes.get(t.getKey()))
                    .append("\",\"shape\":[").append(shape).append("],\"data_offsets\":[").append(offset).append(',')
                    .append(offset + bytes).append("]}");
            offset += bytes;
            sizes.add(bytes);
        }
        header.append('}');
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
        out.writeBytes(json);
        for (String name : tensors.keySet()) {
            float[] data = values.get(name);
            int bytes = (int) (long) sizes.remove(0);
            if (data == null) {
                out.writeBytes(new byte[bytes]);
            } else {
                ByteBuffer buffer = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
                for (float v : data) {
                    buffer.putFloat(v);
                }
                out.writeBytes(buffer.array());
            }
        }
        return out.toByteArray();
    }

    private static int width(String dtype) {
        return switch (dtype) {
            case "F64", "I64", "U64" -> 8;
            case "F32", "I32", "U32" -> 4;
            case "F16", "BF16", "I16", "U16" -> 2;
            default -> 1;
        };
    }
}
