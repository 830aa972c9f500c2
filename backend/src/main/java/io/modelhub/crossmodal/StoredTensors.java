package io.modelhub.crossmodal;

import io.modelhub.commits.RepoFile;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.inspect.InspectionException;
import io.modelhub.storage.inspect.SafetensorsHeader;
import io.modelhub.storage.inspect.TensorInfo;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * F32 tensors of a stored safetensors file, read with ranged reads: the header, then only the wanted tensors
 * (neighbours in the file in one read), so a dual encoder's vision tower stays in the store when only its text
 * tower is needed.
 */
final class StoredTensors {
    private StoredTensors() {
    }

    /**
     * @param wanted   which tensors to read, by name
     * @param maxBytes refuse when the wanted tensors add up to more (they are held on the heap)
     */
    static Map<String, float[]> readF32(BlobStore store, RepoFile file, Predicate<String> wanted, long maxBytes)
            throws IOException, InspectionException {
        SafetensorsHeader header = SafetensorsHeader.read(store, file.sha256(), file.size());
        List<TensorInfo> tensors = header.tensors().stream().filter(t -> wanted.test(t.name())).toList(); // in file order
        long total = 0;
        for (TensorInfo t : tensors) {
            if (!t.dtype().equals("F32")) {
                throw new InspectionException(file.path() + ": tensor " + t.name() + " is " + t.dtype() + ", not F32");
            }
            total += t.end() - t.begin();
        }
        if (total > maxBytes) {
            throw new InspectionException(file.path() + ": the " + tensors.size() + " tensors needed hold " + total
                    + " bytes, over the hub's limit of " + maxBytes);
        }
        Map<String, float[]> out = new LinkedHashMap<>();
        int from = 0;
        while (from < tensors.size()) {
            int to = from + 1;
            while (to < tensors.size() && tensors.get(to).begin() == tensors.get(to - 1).end()) {
                to++;
            }
            List<TensorInfo> run = new ArrayList<>(tensors.subList(from, to));
            long begin = run.get(0).begin();
            int length = (int) (run.get(run.size() - 1).end() - begin);
            byte[] bytes;
            try (InputStream in = store.open(file.sha256(), header.dataOffset() + begin, length)) {
                bytes = in.readNBytes(length);
            }
            if (bytes.length != length) {
                throw new EOFException(file.path() + " ended inside tensor data");
            }
            for (TensorInfo t : run) {
                float[] values = new float[(int) ((t.end() - t.begin()) / 4)];
                ByteBuffer.wrap(bytes, (int) (t.begin() - begin), values.length * 4).order(ByteOrder.LITTLE_ENDIAN)
                        .asFloatBuffer().get(values);
                out.put(t.name(), values);
            }
            from = to;
        }
        return out;
    }
}
