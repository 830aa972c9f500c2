package io.modelhub.storage.inspect;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.storage.blobs.BlobStore;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The header of a safetensors file: an 8-byte little-endian length, then that many bytes of JSON that map tensor
 * names to dtype, shape and byte range in the data area that follows, plus optional string metadata under
 * {@code __metadata__}. Only the header is ever read, never the tensor data.
 */
public final class SafetensorsHeader {

    /** The reference implementation refuses larger headers. */
    public static final long MAX_HEADER_LENGTH = 100L << 20;

    /** Bits per element of every dtype the safetensors format defines. */
    private static final Map<String, Integer> DTYPE_BITS = Map.ofEntries(
            Map.entry("BOOL", 8), Map.entry("U8", 8), Map.entry("I8", 8),
            Map.entry("F8_E5M2", 8), Map.entry("F8_E4M3", 8), Map.entry("F8_E8M0", 8),
            Map.entry("F4", 4), Map.entry("F6_E2M3", 6), Map.entry("F6_E3M2", 6),
            Map.entry("I16", 16), Map.entry("U16", 16), Map.entry("F16", 16), Map.entry("BF16", 16),
            Map.entry("I32", 32), Map.entry("U32", 32), Map.entry("F32", 32),
            Map.entry("I64", 64), Map.entry("U64", 64), Map.entry("F64", 64), Map.entry("C64", 64));

    private final List<TensorInfo> tensors;
    private final Map<String, String> metadata;
    private final long dataOffset;

    private SafetensorsHeader(List<TensorInfo> tensors, Map<String, String> metadata, long dataOffset) {
        this.tensors = tensors;
        this.metadata = metadata;
        this.dataOffset = dataOffset;
    }

    /** The header length from a file's first 8 bytes, checked against what the file can hold. */
    public static long headerLength(byte[] first8, long fileSize) throws InspectionException {
        if (first8.length < 8) {
            throw new InspectionException("a safetensors file starts with an 8-byte header length, but this one has "
                    + first8.length + " bytes");
        }
        long length = ByteBuffer.wrap(first8, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        // a u64 above Long.MAX_VALUE reads as negative
        if (length <= 0 || length > MAX_HEADER_LENGTH || length > fileSize - 8) {
            throw new InspectionException("safetensors header length " + Long.toUnsignedString(length)
                    + " is absurd for a file of " + fileSize + " bytes");
        }
        return length;
    }

    /**
     * Parses and validates the header JSON.
     *
     * @param fileSize size of the whole file, which fixes the size of the data area
     */
    public static SafetensorsHeader parse(byte[] headerJson, long fileSize) throws InspectionException {
        long dataSize = fileSize - 8 - headerJson.length;
        if (dataSize < 0) {
            throw new InspectionException("a safetensors header of " + headerJson.length
                    + " bytes does not fit in a file of " + fileSize + " bytes");
        }
        ObjectNode root = Json.readObject(headerJson, "safetensors header");
        List<TensorInfo> tensors = new ArrayList<>();
        Map<String, String> metadata = Map.of();
        for (Map.Entry<String, JsonNode> field : root.properties()) {
            if (field.getKey().equals("__metadata__")) {
                metadata = metadata(field.getValue());
            } else {
                tensors.add(tensor(field.getKey(), field.getValue(), dataSize));
            }
        }
        tensors.sort(Comparator.comparingLong(TensorInfo::begin).thenComparing(TensorInfo::name));
        return new SafetensorsHeader(Collections.unmodifiableList(tensors), metadata, 8L + headerJson.length);
    }

    /**
     * Reads the header of a stored safetensors file with two ranged reads: the length, then the header itself.
     */
    public static SafetensorsHeader read(BlobStore store, String sha256, long size)
            throws IOException, InspectionException {
        if (size < 8) {
            throw new InspectionException("a safetensors file has at least 8 bytes, but this one has " + size);
        }
        long length = headerLength(readExactly(store, sha256, 0, 8), size);
        return parse(readExactly(store, sha256, 8, (int) length), size);
    }

    private static byte[] readExactly(BlobStore store, String sha256, long offset, int length) throws IOException {
        try (InputStream in = store.open(sha256, offset, length)) {
            byte[] bytes = in.readNBytes(length);
            if (bytes.length != length) {
                throw new EOFException("blob " + sha256 + " ended after " + (offset + bytes.length) + " bytes");
            }
            return bytes;
        }
    }

    private static Map<String, String> metadata(JsonNode node) throws InspectionException {
        if (!node.isObject()) {
            throw new InspectionException("safetensors __metadata__ must be an object of strings, not "
                    + Json.kind(node));
        }
        Map<String, String> metadata = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> entry : node.properties()) {
            if (!entry.getValue().isTextual()) {
                throw new InspectionException("safetensors __metadata__ value of \"" + entry.getKey()
                        + "\" must be a string, not " + Json.kind(entry.getValue()));
            }
            metadata.put(entry.getKey(), entry.getValue().textValue());
        }
        return Collections.unmodifiableMap(metadata);
    }

    private static TensorInfo tensor(String name, JsonNode node, long dataSize) throws InspectionException {
        String where = "safetensors tensor \"" + name + "\"";
        if (!node.isObject()) {
            throw new InspectionException(where + " must be an object, not " + Json.kind(node));
        }
        JsonNode dtypeNode = node.path("dtype");
        Integer bits = dtypeNode.isTextual() ? DTYPE_BITS.get(dtypeNode.textValue()) : null;
        if (bits == null) {
            throw new InspectionException(where + " has unknown dtype " + dtypeNode
                    + "; known are " + new TreeMap<>(DTYPE_BITS).keySet());
        }
        String dtype = dtypeNode.textValue();
        List<Long> shape = naturals(node.path("shape"), where + " shape");
        List<Long> offsets = naturals(node.path("data_offsets"), where + " data_offsets");
        if (offsets.size() != 2) {
            throw new InspectionException(where + " data_offsets must be [begin, end], got " + offsets);
        }
        long begin = offsets.get(0);
        long end = offsets.get(1);
        if (begin > end || end > dataSize) {
            throw new InspectionException(where + " data_offsets " + offsets
                    + " lie outside the data area of " + dataSize + " bytes");
        }
        TensorInfo tensor = new TensorInfo(name, dtype, shape, begin, end);
        long expectedBytes;
        try {
            long totalBits = Math.multiplyExact(tensor.parameters(), (long) bits);
            if (totalBits % 8 != 0) {
                throw new InspectionException(where + " of " + tensor.parameters() + " " + dtype
                        + " elements does not fill whole bytes");
            }
            expectedBytes = totalBits / 8;
        } catch (ArithmeticException e) {
            throw new InspectionException(where + " shape " + shape + " is too large to address");
        }
        if (end - begin != expectedBytes) {
            throw new InspectionException(where + " (" + dtype + " " + shape + ") needs " + expectedBytes
                    + " bytes, but its data_offsets " + offsets + " span " + (end - begin));
        }
        return tensor;
    }

    private static List<Long> naturals(JsonNode node, String what) throws InspectionException {
        if (!node.isArray()) {
            throw new InspectionException(what + " must be an array of non-negative integers, not "
                    + (node.isMissingNode() ? "missing" : Json.kind(node)));
        }
        List<Long> values = new ArrayList<>(node.size());
        for (JsonNode element : node) {
            if (!element.isIntegralNumber() || !element.canConvertToLong() || element.asLong() < 0) {
                throw new InspectionException(what + " must hold non-negative integers, but has " + element);
            }
            values.add(element.asLong());
        }
        return values;
    }

    /** Every tensor, in file order. */
    public List<TensorInfo> tensors() {
        return tensors;
    }

    /** Where the data area starts in the file: a tensor's bytes lie at {@code dataOffset() + begin}. */
    public long dataOffset() {
        return dataOffset;
    }

    /** The free-form {@code __metadata__} strings, e.g. {@code format: pt}. */
    public Map<String, String> metadata() {
        return metadata;
    }

    /** Element counts summed per dtype, e.g. {@code {BF16=6738415616, F32=4096}}. */
    public SortedMap<String, Long> parametersByDtype() {
        SortedMap<String, Long> counts = new TreeMap<>();
        for (TensorInfo tensor : tensors) {
            counts.merge(tensor.dtype(), tensor.parameters(), Long::sum);
        }
        return Collections.unmodifiableSortedMap(counts);
    }

    public long totalParameters() {
        return tensors.stream().mapToLong(TensorInfo::parameters).sum();
    }
}
