package io.modelhub.contract;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

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

    /**
     * timm checkpoints (config.json with {@code architecture}, {@code num_classes}, {@code pretrained_cfg} and no
     * model_type): the hub and the runners call them by this type; the architecture (resnet18 ...) says which.
     */
    public static final String TIMM = io.modelhub.storage.inspect.ModelConfig.TIMM;
    /** transformers' ViT (ViTModel, ViTForImageClassification). */
    public static final String VIT = "vit";
    /** transformers' wav2vec2 and HuBERT (Wav2Vec2Model / HubertModel, *ForSequenceClassification). */
    public static final String WAV2VEC2 = "wav2vec2";
    public static final String HUBERT = "hubert";
    /** The real pretrained vision and audio architectures loaded in their public layouts. */
    public static final List<String> VISION_PRETRAINED = List.of(TIMM, VIT);
    public static final List<String> AUDIO_PRETRAINED = List.of(WAV2VEC2, HUBERT);

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * The model type of a parsed config.json, the hub's convention (hub-storage ModelConfig): its
     * {@code model_type}, else {@link #TIMM} for a timm config, else null.
     */
    public static String of(Map<String, ?> config) {
        return io.modelhub.storage.inspect.ModelConfig.modelTypeOf(config);
    }

    /** {@link #of(Map)} of a config.json read as a tree. */
    @SuppressWarnings("unchecked")
    public static String of(JsonNode config) {
        return config == null || !config.isObject() ? null : of(JSON.convertValue(config, Map.class));
    }

    private ModelTypes() {
    }
}
