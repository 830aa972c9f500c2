package io.modelhub.runners.recipes.vision;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import io.modelhub.runners.recipes.Torch;
import java.io.BufferedInputStream;
import ai.djl.nn.Parameter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Reads and writes model.safetensors with DJL's NDList SAFETENSORS codec. That codec keeps tensor names but not
 * their order (the header is a hash map), so tensors are always handled by name here.
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
     *
     * @throws InvalidModelException when the file is missing or not safetensors
     */
    public static Map<String, HostTensor> read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException("model has no " + file.getFileName() + " (looked for " + file + ")");
        }
        Map<String, HostTensor> tensors = new TreeMap<>();
        try (NDManager manager = Torch.engine().newBaseManager(Device.cpu());
                InputStream in = new BufferedInputStream(Files.newInputStream(file))) {
            NDList list;
            try {
                list = NDList.decode(manager, in);
            } catch (IllegalArgumentException | IllegalStateException e) {
                throw new InvalidModelException(file.getFileName() + " is not a readable safetensors file: "
                        + e.getMessage(), e);
            }
            for (NDArray array : list) {
                String name = array.getName();
                if (name == null) {
                    throw new InvalidModelException(file.getFileName() + " is not a safetensors file (unnamed tensors)");
                }
                NDArray floats = array.getDataType() == DataType.FLOAT32 ? array : array.toType(DataType.FLOAT32, false);
                tensors.put(name, new HostTensor(array.getShape().getShape(), floats.toFloatArray()));
            }
        }
        return tensors;
    }

    /** Writes parameters' current values under their names (a block's namedParameters()), as {@link #write}. */
    public static void writeParameters(Path file, Map<String, Parameter> parameters) throws IOException {
        Map<String, NDArray> arrays = new LinkedHashMap<>();
        parameters.forEach((name, parameter) -> arrays.put(name, parameter.getArray()));
        write(file, arrays);
    }

    /**
     * Writes the arrays under their map keys (sorted, so equal weights give an equal file), to a temporary file
     * first so that a crash never leaves a truncated model.safetensors behind.
     */
    public static void write(Path file, Map<String, NDArray> arrays) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        try (NDManager manager = Torch.engine().newBaseManager(Device.cpu())) {
            NDList list = new NDList();
            for (Map.Entry<String, NDArray> entry : new TreeMap<>(arrays).entrySet()) {
                // a copy on the CPU, named for the file; renaming the live parameter array would touch the model
                NDArray copy = entry.getValue().toDevice(Device.cpu(), true);
                copy.attach(manager);
                copy.setName(entry.getKey());
                list.add(copy);
            }
            // not Files.createTempFile: its owner-only permissions would stick to the published model file
            Path tmp = dir.resolve("." + file.getFileName() + "." + UUID.randomUUID() + ".tmp");
            try {
                try (OutputStream out = Files.newOutputStream(tmp)) {
                    list.encode(out, NDList.Encoding.SAFETENSORS);
                }
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            } finally {
                Files.deleteIfExists(tmp);
            }
        }
    }
}
