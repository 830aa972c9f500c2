package io.modelhub.storage.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsWriterTest {

    @TempDir
    Path dir;

    @Test
    void writesSortedHeaderAndLittleEndianData() throws Exception {
        Path file = dir.resolve("model.safetensors");
        new SafetensorsWriter()
                .putFloat32("z.weight", new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, -6.5f})
                .putInt64("a.ids", new long[] {1, 2}, new long[] {7, Long.MAX_VALUE})
                .metadata("format", "pt")
                .write(file);

        byte[] bytes = Files.readAllBytes(file);
        long length = SafetensorsHeader.headerLength(java.util.Arrays.copyOf(bytes, 8), bytes.length);
        assertEquals(0, length % 8, "data area 8-byte aligned");
        SafetensorsHeader header = SafetensorsHeader.parse(java.util.Arrays.copyOfRange(bytes, 8, 8 + (int) length),
                bytes.length);
        assertEquals(Map.of("format", "pt"), header.metadata());
        List<TensorInfo> tensors = header.tensors();
        assertEquals(new TensorInfo("a.ids", "I64", List.of(1L, 2L), 0, 16), tensors.get(0));
        assertEquals(new TensorInfo("z.weight", "F32", List.of(2L, 3L), 16, 40), tensors.get(1));
        ByteBuffer data = ByteBuffer.wrap(bytes, 8 + (int) length, 40).order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(7L, data.getLong());
        assertEquals(Long.MAX_VALUE, data.getLong());
        assertEquals(1f, data.getFloat());
        data.position(data.position() + 16);
        assertEquals(-6.5f, data.getFloat());
        try (var listing = Files.list(dir)) {
            assertEquals(1, listing.count(), "no temporary file left behind");
        }
    }

    @Test
    void refusesDataThatDoesNotFitTheShape() {
        assertThrows(IllegalArgumentException.class,
                () -> new SafetensorsWriter().putFloat32("w", new long[] {2, 2}, new float[3]));
    }
}
