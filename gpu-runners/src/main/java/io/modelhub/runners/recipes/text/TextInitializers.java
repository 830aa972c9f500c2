package io.modelhub.runners.recipes.text;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.training.initializer.Initializer;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * Seeded initial values for modelhub-text parameters and classification heads, from a Java RNG per (seed, name)
 * as {@link CnnInitializers} does, so a seed gives the same model on any device.
 */
final class TextInitializers {

    private TextInitializers() {
    }

    static Initializer seeded(String name, long seed) {
        return (manager, shape, dataType) -> {
            int size = Math.toIntExact(shape.size());
            float[] values = new float[size];
            boolean norm = name.contains("norm.") && name.endsWith(".weight");
            if (norm) {
                Arrays.fill(values, 1f);
            } else if (name.endsWith(".weight")) {
                // BERT's N(0, 0.02)-sized embeddings; PyTorch's default Linear bound 1/sqrt(fan_in) elsewhere
                double bound = name.startsWith("embeddings.") ? 0.02 * Math.sqrt(3)
                        : 1.0 / Math.sqrt(shape.get(shape.dimension() - 1));
                SplittableRandom random = new SplittableRandom(CnnInitializers.mix(seed, name));
                for (int i = 0; i < size; i++) {
                    values[i] = (float) ((random.nextDouble() * 2 - 1) * bound);
                }
            }
            NDArray array = manager.create(values, shape);
            return dataType == DataType.FLOAT32 ? array : array.toType(dataType, false);
        };
    }
}
