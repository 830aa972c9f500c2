package io.modelhub.storage.inspect;

import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * The pipeline tag of a model whose card names none, derived from its config.json and files as the Hugging Face Hub
 * does for transformers models (by the architecture's head), extended to the platform's own model types. One rule
 * for the catalog (RepoIndexer) and whoever else needs a model's task.
 */
public final class PipelineTags {
    /** The platform's dual encoders (gpu-runners crossmodal/DualEncoder); contract ModelTypes.DUAL_ENCODER. */
    public static final String DUAL_ENCODER = "modelhub-dual-encoder";
    /** sentence-transformers writes it beside the transformer's config.json. */
    public static final String SENTENCE_TRANSFORMERS_MODULES = "modules.json";

    /** Architecture name suffixes (the transformers head classes) and their task, checked in this order. */
    private static final List<Map.Entry<String, String>> HEADS = List.of(
            Map.entry("ForMaskedLM", "fill-mask"),
            Map.entry("ForImageClassification", "image-classification"),
            Map.entry("ForAudioClassification", "audio-classification"),
            Map.entry("ForCTC", "automatic-speech-recognition"),
            Map.entry("ForTokenClassification", "token-classification"),
            Map.entry("ForQuestionAnswering", "question-answering"),
            Map.entry("ForCausalLM", "text-generation"),
            Map.entry("LMHeadModel", "text-generation"));

    private PipelineTags() {
    }

    /**
     * @param modelType     config.json's model type ({@link ModelConfig#modelTypeOf}: "timm" for timm configs), may be null
     * @param architectures config.json's architectures, may be empty
     * @param modalities    a dual encoder's "modalities" (e.g. [text, vision]), else null
     * @param files         the repository's file paths
     * @return the tag, or null when nothing says what the model does (no config.json, an unknown kind)
     */
    public static String derive(String modelType, List<String> architectures, List<String> modalities,
            Collection<String> files) {
        if (files.contains(SENTENCE_TRANSFORMERS_MODULES)) {
            return "sentence-similarity";
        }
        List<String> archs = architectures == null ? List.of() : architectures;
        String type = modelType == null ? "" : modelType;
        if (type.equals(DUAL_ENCODER)) {
            List<String> sides = modalities == null ? List.of() : modalities;
            if (sides.contains("text") && sides.contains("vision")) {
                return "zero-shot-image-classification";
            }
            if (sides.contains("text") && sides.contains("audio")) {
                return "zero-shot-audio-classification";
            }
            return null;  // two media and no text: no pipeline answers that
        }
        switch (type) {
            case "modelhub-cnn", ModelConfig.TIMM -> {
                return "image-classification";
            }
            case "modelhub-audio" -> {
                return "audio-classification";
            }
            default -> {
            }
        }
        Modality modality = Modality.derive(null, type, archs, List.of());
        for (String architecture : archs) {
            if (architecture.endsWith("ForSequenceClassification")) {
                // wav2vec2 / HuBERT / WavLM heads classify clips
                return modality == Modality.AUDIO ? "audio-classification" : "text-classification";
            }
            for (Map.Entry<String, String> head : HEADS) {
                if (architecture.endsWith(head.getKey())) {
                    return head.getValue();
                }
            }
        }
        boolean baseModel = archs.stream().anyMatch(a -> a.endsWith("Model")) || archs.isEmpty() && !type.isEmpty();
        if (baseModel) {
            // a base encoder: what the hidden states are features of
            return modality == Modality.VISION ? "image-feature-extraction" : "feature-extraction";
        }
        return null;
    }
}
