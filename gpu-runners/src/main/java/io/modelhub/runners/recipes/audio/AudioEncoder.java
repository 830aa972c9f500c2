package io.modelhub.runners.recipes.audio;

import ai.djl.nn.Block;
import ai.djl.nn.Parameter;
import java.util.Map;

/**
 * The backbone seam of audio classification: anything that turns a batch of log-mel images
 * (batch, 1, n_mels, frames), as {@link LogMel#features} computes them, into embeddings (batch, hiddenSize).
 * {@link AudioClassifierModel} puts a linear head ("classifier.weight", "classifier.bias") on top of it.
 * <p>
 * The platform encoder is {@link CnnAudioEncoder}. A bring-your-own encoder (e.g. a TorchScript module loaded by
 * the modality-neutral encoder loader) plugs in by implementing this interface and being chosen in
 * {@link AudioClassifierModel#withNewHead} by the base model's files.
 */
public interface AudioEncoder {

    /** The DJL block: (batch, 1, n_mels, frames) float32 -> (batch, hiddenSize). */
    Block block();

    int hiddenSize();

    /**
     * The encoder's parameters by the names they carry in model.safetensors (PyTorch state_dict style, starting
     * with "backbone."), batch norm running statistics included.
     */
    Map<String, Parameter> namedParameters();

    /** E.g. "modelhub-audio CNN [16, 32, 64]", for the run log. */
    String describe();
}
