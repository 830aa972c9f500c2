package io.modelhub.storage.inspect;

import java.util.List;

/**
 * One tensor of a safetensors file.
 *
 * @param begin offset of its first byte in the data area (which starts after the header)
 * @param end   offset just past its last byte in the data area
 */
public record TensorInfo(String name, String dtype, List<Long> shape, long begin, long end) {

    public TensorInfo {
        shape = List.copyOf(shape);
    }

    /** Number of elements; 1 for a scalar (empty shape). */
    public long parameters() {
        long n = 1;
        for (long dim : shape) {
            n = Math.multiplyExact(n, dim);
        }
        return n;
    }
}
