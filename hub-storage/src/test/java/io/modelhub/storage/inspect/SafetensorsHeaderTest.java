package io.modelhub.storage.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.storage.S3Fixture;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.blobs.S3BlobStore;
import io.modelhub.storage.blobs.StoredBlob;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SafetensorsHeaderTest {

    private static S3BlobStore store;

    @BeforeAll
    static void openStore() {
        store = S3Fixture.newStore();
    }

    @AfterAll
    static void closeStore() {
        store.close();
    }

    @Test
    void readsOnlyTheHeaderFromTheStore() throws Exception {
        SafetensorsBuilder file = new SafetensorsBuilder()
                .metadata("format", "pt")
                .tensor("embed.weight", "BF16", 1000, 64)
                .tensor("layer.0.weight", "F32", 64, 64)
                .tensor("layer.0.bias", "F32", 64)
                .tensor("scale", "F32");
        byte[] bytes = file.build();
        StoredBlob blob = store.put(new ByteArrayInputStream(bytes), bytes.length);
        List<String> reads = new ArrayList<>();

        SafetensorsHeader header = SafetensorsHeader.read(recordingReads(store, reads), blob.sha256(), blob.size());

        int headerLength = file.headerJson().length;
        assertEquals(List.of("0+8", "8+" + headerLength), reads);
        assertEquals(8 + headerLength, header.dataOffset());
        assertEquals(List.of("embed.weight", "layer.0.weight", "layer.0.bias", "scale"),
                header.tensors().stream().map(TensorInfo::name).toList());
        assertEquals(new TensorInfo("layer.0.weight", "F32", List.of(64L, 64L), 128_000, 144_384),
                header.tensors().get(1));
        assertEquals(Map.of("BF16", 64_000L, "F32", 4_161L), header.parametersByDtype());
        assertEquals(68_161, header.totalParameters());
        assertEquals(Map.of("format", "pt"), header.metadata());
    }

    @Test
    void absurdHeaderLengths() {
        InspectionException e = assertThrows(InspectionException.class,
                () -> SafetensorsHeader.headerLength(SafetensorsBuilder.littleEndian(123_456_789_012L), 1234));
        assertEquals("safetensors header length 123456789012 is absurd for a file of 1234 bytes", e.getMessage());

        assertThrows(InspectionException.class,
                () -> SafetensorsHeader.headerLength(SafetensorsBuilder.littleEndian(0), 1234));
        assertThrows(InspectionException.class,
                () -> SafetensorsHeader.headerLength(SafetensorsBuilder.littleEndian(200L << 20), 1L << 40));
        InspectionException unsigned = assertThrows(InspectionException.class,
                () -> SafetensorsHeader.headerLength(SafetensorsBuilder.littleEndian(-1), 1234));
        assertTrue(unsigned.getMessage().contains("18446744073709551615"), unsigned.getMessage());
        assertEquals(16, lengthOf(SafetensorsBuilder.littleEndian(16), 100));
    }

    @Test
    void absurdHeaderLengthInAStoredFile() throws IOException {
        byte[] bytes = new SafetensorsBuilder().tensor("w", "F32", 4).declaredHeaderLength(1L << 30).build();
        StoredBlob blob = store.put(new ByteArrayInputStream(bytes), bytes.length);

        InspectionException e = assertThrows(InspectionException.class,
                () -> SafetensorsHeader.read(store, blob.sha256(), blob.size()));
        assertEquals("safetensors header length 1073741824 is absurd for a file of " + bytes.length + " bytes",
                e.getMessage());
    }

    @Test
    void brokenJson() {
        byte[] json = "{\"w\": {\"dtype\": \"F32\",".getBytes(StandardCharsets.UTF_8);

        InspectionException e = assertThrows(InspectionException.class,
                () -> SafetensorsHeader.parse(json, 8 + json.length));
        assertTrue(e.getMessage().startsWith("safetensors header is not valid JSON: "), e.getMessage());
        assertThrows(InspectionException.class,
                () -> SafetensorsHeader.parse("[1, 2]".getBytes(StandardCharsets.UTF_8), 14));
    }

    @Test
    void offsetsOutsideTheDataArea() {
        SafetensorsBuilder file = new SafetensorsBuilder().tensor("a", "F32", 4)
                .rawHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[8,24]}}");

        assertEquals("safetensors tensor \"a\" data_offsets [8, 24] lie outside the data area of 16 bytes",
                parseError(file));
    }

    @Test
    void offsetsThatDisagreeWithTheShape() {
        SafetensorsBuilder file = new SafetensorsBuilder().tensorAt("a", "F32", new long[] {2, 3}, 0, 20);

        assertEquals("safetensors tensor \"a\" (F32 [2, 3]) needs 24 bytes, but its data_offsets [0, 20] span 20",
                parseError(file));
    }

    @Test
    void invalidTensorEntries() {
        assertTrue(parseError(new SafetensorsBuilder().tensorAt("a", "F128", new long[] {1}, 0, 16))
                .contains("unknown dtype \"F128\""));
        assertTrue(parseError(new SafetensorsBuilder().tensor("a", "F32", 2)
                .rawHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}"))
                .contains("non-negative integers"));
        assertTrue(parseError(new SafetensorsBuilder().tensor("a", "F32", 2)
                .rawHeader("{\"__metadata__\":{\"epochs\":3},\"a\":{\"dtype\":\"F32\",\"shape\":[2],"
                        + "\"data_offsets\":[0,8]}}"))
                .contains("\"epochs\" must be a string"));
        assertTrue(parseError(new SafetensorsBuilder().tensor("a", "F32", 2)
                .rawHeader("{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}"))
                .contains("data_offsets must be an array"));
    }

    @Test
    void subByteDtypesMustFillWholeBytes() throws InspectionException {
        SafetensorsBuilder odd = new SafetensorsBuilder().tensorAt("q", "F4", new long[] {3}, 0, 2);
        assertTrue(parseError(odd).contains("does not fill whole bytes"));

        SafetensorsBuilder even = new SafetensorsBuilder().tensorAt("q", "F4", new long[] {4}, 0, 2);
        byte[] json = even.headerJson();
        assertEquals(Map.of("F4", 4L), SafetensorsHeader.parse(json, 8 + json.length + 2).parametersByDtype());
    }

    private static String parseError(SafetensorsBuilder file) {
        byte[] bytes = file.build();
        byte[] json = file.headerJson();
        return assertThrows(InspectionException.class, () -> SafetensorsHeader.parse(json, bytes.length))
                .getMessage();
    }

    private static long lengthOf(byte[] first8, long fileSize) {
        try {
            return SafetensorsHeader.headerLength(first8, fileSize);
        } catch (InspectionException e) {
            throw new AssertionError(e);
        }
    }

    /** The store, noting the range of every open(). */
    private static BlobStore recordingReads(BlobStore store, List<String> reads) {
        return (BlobStore) Proxy.newProxyInstance(BlobStore.class.getClassLoader(), new Class<?>[] {BlobStore.class},
                (proxy, method, args) -> {
                    if (method.getName().equals("open")) {
                        reads.add(args[1] + "+" + args[2]);
                    }
                    try {
                        return method.invoke(store, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }
}
