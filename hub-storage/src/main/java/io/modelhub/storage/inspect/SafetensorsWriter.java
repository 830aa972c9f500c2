package io.modelhub.storage.inspect;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Writes a safetensors file (the format {@link SafetensorsHeader} reads): an 8-byte little-endian header length,
 * the JSON header (tensors sorted by name with dtype, shape and data_offsets, optional {@code __metadata__}),
 * padded with spaces to a multiple of 8 bytes as the reference implementation does, then every tensor's raw
 * little-endian bytes in name order. The tensors' arrays are referenced, not copied, and their bytes stream to the
 * file in small chunks, so a model is never held twice in memory. The file appears atomically (temp file + move).
 */
public final class SafetensorsWriter {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int CHUNK = 1 << 16;

    private record Entry(String dtype, long[] shape, float[] floats, long[] longs) {
        long bytes() {
            return floats != null ? 4L * floats.length : 8L * longs.length;
        }
    }

    private final Map<String, Entry> tensors = new TreeMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();

    /** A float32 tensor; {@code data} is row-major and must hold exactly the shape's element count. */
    public SafetensorsWriter putFloat32(String name, long[] shape, float[] data) {
        check(name, shape, data.length);
        tensors.put(name, new Entry("F32", shape.clone(), data, null));
        return this;
    }

    /** An int64 tensor (e.g. BERT's position_ids buffer). */
    public SafetensorsWriter putInt64(String name, long[] shape, long[] data) {
        check(name, shape, data.length);
        tensors.put(name, new Entry("I64", shape.clone(), null, data));
        return this;
    }

    /** A {@code __metadata__} entry; transformers writes {"format": "pt"} for PyTorch weights. */
    public SafetensorsWriter metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    public int size() {
        return tensors.size();
    }

    /** Writes the file, replacing any file already there only once it is complete. */
    public void write(Path file) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Path tmp = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
        try {
            try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(tmp), CHUNK)) {
                writeTo(out);
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    /** The whole file's bytes to {@code out}. */
    public void writeTo(OutputStream out) throws IOException {
        byte[] header = header();
        ByteBuffer length = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length);
        out.write(length.array());
        out.write(header);
        ByteBuffer chunk = ByteBuffer.allocate(CHUNK).order(ByteOrder.LITTLE_ENDIAN);
        for (Entry entry : tensors.values()) {
            if (entry.floats != null) {
                for (float f : entry.floats) {
                    if (chunk.remaining() < 4) {
                        flush(chunk, out);
                    }
                    chunk.putFloat(f);
                }
            } else {
                for (long l : entry.longs) {
                    if (chunk.remaining() < 8) {
                        flush(chunk, out);
                    }
                    chunk.putLong(l);
                }
            }
        }
        flush(chunk, out);
    }

    private byte[] header() throws IOException {
        ObjectNode root = JSON.createObjectNode();
        if (!metadata.isEmpty()) {
            ObjectNode meta = root.putObject("__metadata__");
            metadata.forEach(meta::put);
        }
        long offset = 0;
        for (Map.Entry<String, Entry> e : tensors.entrySet()) {
            ObjectNode t = root.putObject(e.getKey());
            t.put("dtype", e.getValue().dtype);
            ArrayNode shape = t.putArray("shape");
            for (long d : e.getValue().shape) {
                shape.add(d);
            }
            long end = offset + e.getValue().bytes();
            t.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json = JSON.writeValueAsString(root).getBytes(StandardCharsets.UTF_8);
        // the data area starts 8-byte aligned, so readers can map it as float64/int64 arrays in place
        int padded = (json.length + 7) / 8 * 8;
        byte[] header = Arrays.copyOf(json, padded);
        Arrays.fill(header, json.length, padded, (byte) ' ');
        return header;
    }

    private static void flush(ByteBuffer chunk, OutputStream out) throws IOException {
        out.write(chunk.array(), 0, chunk.position());
        chunk.clear();
    }

    private static void check(String name, long[] shape, int elements) {
        if (name == null || name.isEmpty() || name.equals("__metadata__")) {
            throw new IllegalArgumentException("a tensor needs a name other than __metadata__, not " + name);
        }
        long count = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("tensor " + name + " has a negative dimension: "
                        + Arrays.toString(shape));
            }
            count *= d;
        }
        if (count != elements) {
            throw new IllegalArgumentException("tensor " + name + " of shape " + Arrays.toString(shape) + " needs "
                    + count + " values, not " + elements);
        }
    }
}
