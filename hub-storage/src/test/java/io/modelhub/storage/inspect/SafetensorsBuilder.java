package io.modelhub.storage.inspect;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.storage.TestData;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Writes safetensors files the way the reference implementation lays them out, and broken ones on request. */
final class SafetensorsBuilder {

    private static final Map<String, Integer> BYTES = Map.of(
            "BOOL", 1, "U8", 1, "I8", 1, "F16", 2, "BF16", 2, "I32", 4, "F32", 4, "I64", 8, "F64", 8);

    private final Map<String, Object> header = new LinkedHashMap<>();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private long dataSize;
    private String rawHeader;
    private Long declaredHeaderLength;

    /** A tensor placed right after the previous one, with the byte count its dtype and shape need. */
    SafetensorsBuilder tensor(String name, String dtype, long... shape) {
        long bytes = BYTES.get(dtype) * Arrays.stream(shape).reduce(1, Math::multiplyExact);
        return tensorAt(name, dtype, shape, dataSize, dataSize + bytes);
    }

    /** A tensor with the given data_offsets, which may contradict its shape. */
    SafetensorsBuilder tensorAt(String name, String dtype, long[] shape, long begin, long end) {
        header.put(name, Map.of("dtype", dtype, "shape", Arrays.stream(shape).boxed().toList(),
                "data_offsets", List.of(begin, end)));
        dataSize = Math.max(dataSize, end);
        return this;
    }

    SafetensorsBuilder metadata(String key, String value) {
        metadata.put(key, value);
        return this;
    }

    /** Replaces the generated header JSON; the data area keeps the size of the tensors added. */
    SafetensorsBuilder rawHeader(String json) {
        rawHeader = json;
        return this;
    }

    SafetensorsBuilder declaredHeaderLength(long length) {
        declaredHeaderLength = length;
        return this;
    }

    /** The header JSON, padded with spaces to a multiple of 8 bytes as the reference writer does. */
    byte[] headerJson() {
        String json = rawHeader != null ? rawHeader : generatedHeader();
        return (json + " ".repeat((8 - json.length() % 8) % 8)).getBytes(StandardCharsets.UTF_8);
    }

    byte[] build() {
        byte[] json = headerJson();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(littleEndian(declaredHeaderLength != null ? declaredHeaderLength : json.length));
        out.writeBytes(json);
        out.writeBytes(TestData.bytes(99, 0, Math.toIntExact(dataSize)));
        return out.toByteArray();
    }

    private String generatedHeader() {
        Map<String, Object> all = new LinkedHashMap<>();
        if (!metadata.isEmpty()) {
            all.put("__metadata__", metadata);
        }
        all.putAll(header);
        try {
            return new ObjectMapper().writeValueAsString(all);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] littleEndian(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }
}
