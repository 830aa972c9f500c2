package io.modelhub.runners.recipes.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.initializer.Initializer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Initial values for modelhub-cnn parameters, either loaded tensors or seeded random values.
 * <p>
 * Random values come from a Java {@link SplittableRandom} seeded by (run seed, parameter name), not from the
 * engine's global RNG: the same seed then gives the same initial model on CPU and GPU, in any JVM, whatever else
 * used the engine before, and a new classification head does not depend on how many backbone tensors exist.
 */
public final class CnnInitializers {

    private CnnInitializers() {
    }

    public static Initializer loaded(String name, Safetensors.HostTensor tensor) {
        return (manager, shape, dataType) -> {
            if (!Arrays.equals(shape.getShape(), tensor.shape())) {
                throw new InvalidModelException("model.safetensors tensor " + name + " has shape "
                        + tensor.shapeString() + " but config.json implies " + shape);
            }
            return create(manager, tensor.data(), shape, dataType);
        };
    }

    /**
     * A parameter's initializer from a transformers checkpoint's model.safetensors, checked when the model is
     * built rather than when it is initialised: the tensor ({@code null} where the file has none) must be there
     * and of the parameter's shape, else the error says what needs it and what config.json implies.
     *
     * @param architecture what needs the tensor, e.g. "ViTForImageClassification"
     * @param missingHint what the missing-tensor error adds ("" for nothing)
     * @param configSizes what the shape error adds after "config.json", e.g. " (hidden_size 32, ...)"
     */
    public static void loadChecked(Parameter parameter, String key, Safetensors.HostTensor tensor,
            String architecture, String missingHint, String configSizes) {
        if (tensor == null) {
            throw new InvalidModelException("model.safetensors has no tensor " + key + ", which a " + architecture
                    + " with this config.json needs" + missingHint);
        }
        if (!Arrays.equals(tensor.shape(), parameter.getShape().getShape())) {
            throw new InvalidModelException("model.safetensors tensor " + key + " has shape " + tensor.shapeString()
                    + " but config.json" + configSizes + " implies " + parameter.getShape());
        }
        parameter.setInitializer(loaded(key, tensor));
    }

    public static Initializer seeded(String name, long seed) {
        return (manager, shape, dataType) -> {
            int size = Math.toIntExact(shape.size());
            float[] values = new float[size];
            if (name.endsWith(".running_var") || name.matches("backbone\\.bn\\d+\\.weight")) {
                Arrays.fill(values, 1f);
            } else if (name.endsWith(".weight")) {
                long fanIn = shape.size() / shape.get(0);
                // He-uniform for conv and hidden dense (fc) weights, which ReLU follows; PyTorch's default Linear
                // bound for the head; biases (conv biases without batch norm, fc, head) start at zero
                double bound = name.startsWith("classifier.") ? 1.0 / Math.sqrt(fanIn) : Math.sqrt(6.0 / fanIn);
                SplittableRandom random = new SplittableRandom(mix(seed, name));
                for (int i = 0; i < size; i++) {
                    values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                }
            }
            // biases and running means start at zero
            return create(manager, values, shape, dataType);
        };
    }

    /**
     * Values drawn from N(0, std^2), seeded by (seed, name): transformers' initialisation of Linear weights
     * (initializer_range), e.g. for a new head on a transformer encoder.
     */
    public static Initializer normal(String name, long seed, double std) {
        return (manager, shape, dataType) -> {
            float[] values = new float[Math.toIntExact(shape.size())];
            SplittableRandom random = new SplittableRandom(mix(seed, name));
            for (int i = 0; i < values.length; i++) {
                values[i] = (float) (gaussian(random) * std);
            }
            return create(manager, values, shape, dataType);
        };
    }

    /** A standard normal value: SplittableRandom has no nextGaussian on Java 17 (Box-Muller). */
    public static double gaussian(SplittableRandom random) {
        return Math.sqrt(-2 * Math.log(1 - random.nextDouble())) * Math.cos(2 * Math.PI * random.nextDouble());
    }

    private static NDArray create(NDManager manager, float[] values, Shape shape, DataType dataType) {
        NDArray array = manager.create(values, shape);
        return dataType == DataType.FLOAT32 ? array : array.toType(dataType, false);
    }

    /** FNV-1a over the name, combined with the seed, so every tensor gets its own stream. */
    public static long mix(long seed, String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return h ^ (seed * 0x9E3779B97F4A7C15L);
    }
}
