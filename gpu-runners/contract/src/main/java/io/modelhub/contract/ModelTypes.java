package io.modelhub.contract;

import java.util.List;

/**
 * The config.json {@code model_type}s the platform's recipes know, named once for the hub (which refuses a job
 * on a model no recipe takes before queuing it) and the runners (which load them).
 */
public final class ModelTypes {
    /** The platform's image CNN (image-pretraining). */
    public static final String CNN = "modelhub-cnn";
    /** The platform's transformer text encoder (text-pretraining). */
    public static final String TEXT = "modelhub-text";
    /** The platform's CNN over log-mel features (audio-pretraining). */
    public static final String AUDIO = "modelhub-audio";
    /** Two towers and their projections (cross-modal-alignment), with an embedding index. */
    public static final String DUAL_ENCODER = "modelhub-dual-encoder";
    /** A bring-your-own encoder exported with torch.jit (docs/torchscript.md). */
    public static final String TORCHSCRIPT = "torchscript";
    /** transformers' BERT-family encoders, loaded in their public layout. */
    public static final List<String> BERT_FAMILY = List.of("bert", "roberta", "xlm-roberta", "distilbert");

    private ModelTypes() {
    }
}
