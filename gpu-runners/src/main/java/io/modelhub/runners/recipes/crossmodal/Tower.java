package io.modelhub.runners.recipes.crossmodal;

import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.runners.recipes.data.PairedDataset;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * One side of a dual encoder: a pretrained hub encoder's feature extractor (its pooled features, never its
 * classification head), the preprocessing that turns pair items into its inputs, and its own config, which the
 * dual encoder's config.json embeds so the tower can be rebuilt from the cross-modal model alone.
 */
interface Tower extends AutoCloseable {

    /** "text", "vision" or "audio". */
    String modality();

    /** The base model's model_type, e.g. "modelhub-cnn". */
    String modelType();

    /** The pair items this tower reads. */
    PairedDataset.Kind kind();

    /** NDList of inputs -> NDList of one (batch, featureSize) array. */
    Block block();

    int featureSize();

    /** Shapes of the inputs for a batch of one, to initialise the block. */
    Shape[] inputShapes();

    /** The inputs of a batch of items (texts, or file paths), created in {@code manager}. */
    NDList inputs(NDManager manager, List<String> items);

    /** The tower's parameters by their name in the base model's safetensors (e.g. "backbone.conv0.weight"). */
    Map<String, Parameter> namedParameters();

    /** The base model file's tensor for one of {@link #namedParameters}' names (null when it has none). */
    default io.modelhub.runners.recipes.vision.Safetensors.HostTensor tensor(
            Map<String, io.modelhub.runners.recipes.vision.Safetensors.HostTensor> file, String name) {
        return file.get(name);
    }


    /**
     * Refuses a base model file that does not fit this tower's config in ways a missing tensor would not show
     * (layers the config does not have), naming what is wrong. Missing and misshapen tensors are found anyway.
     */
    default void checkBase(Map<String, io.modelhub.runners.recipes.vision.Safetensors.HostTensor> file) {
    }

    /** The base model's config.json, as the dual encoder embeds it. */
    JsonNode config();

    /** Files besides weights the tower needs at inference (tokenizer.json), copied into {@code dir}. */
    default void writeFiles(Path dir) throws IOException {
    }

    String describe();

    /** Frees native resources (a tokenizer); the block's weights belong to the model that holds it. */
    default void close() {
    }
}
