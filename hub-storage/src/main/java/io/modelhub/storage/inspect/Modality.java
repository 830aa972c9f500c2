package io.modelhub.storage.inspect;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** What kind of data a model works on, for browsing and filtering. */
public enum Modality {
    TEXT, VISION, AUDIO, MULTIMODAL, UNKNOWN;

    /** The Hugging Face pipeline tags, by the modality of their inputs and outputs together. */
    private static final Map<String, Modality> PIPELINE_TAGS = byModality(
            Set.of("text-classification", "token-classification", "table-question-answering",
                    "question-answering", "zero-shot-classification", "translation", "summarization",
                    "feature-extraction", "text-generation", "text2text-generation", "fill-mask",
                    "sentence-similarity", "text-ranking", "table-to-text", "multiple-choice", "text-retrieval",
                    "conversational"),
            Set.of("image-classification", "object-detection", "image-segmentation", "depth-estimation",
                    "image-to-image", "unconditional-image-generation", "video-classification", "mask-generation",
                    "image-feature-extraction", "keypoint-detection", "image-to-video", "image-to-3d"),
            Set.of("audio-classification", "automatic-speech-recognition", "text-to-speech", "text-to-audio",
                    "audio-to-audio", "voice-activity-detection"),
            Set.of("image-text-to-text", "zero-shot-image-classification", "zero-shot-audio-classification",
                    "zero-shot-object-detection",
                    "visual-question-answering", "document-question-answering", "image-to-text", "text-to-image",
                    "text-to-video", "video-text-to-text", "audio-text-to-text", "visual-document-retrieval",
                    "any-to-any", "text-to-3d"));

    /**
     * Fragments of model_type and architecture names, checked in this order: multimodal names often contain a
     * vision or text family's name ("owlvit", "visual_bert"), and audio ones a text family's ("hubert").
     */
    private static final List<Map.Entry<Modality, List<String>>> NAME_HINTS = List.of(
            Map.entry(MULTIMODAL, List.of("clip", "siglip", "blip", "llava", "flava", "owlvit", "owlv2", "idefics",
                    "paligemma", "kosmos", "vilt", "visual_bert", "visualbert", "lxmert", "layoutlm", "pix2struct",
                    "clap", "vision_encoder_decoder", "visionencoderdecoder", "qwen2_vl", "qwen2vl", "multimodal")),
            Map.entry(AUDIO, List.of("wav2vec", "whisper", "hubert", "wavlm", "unispeech", "audio", "speech",
                    "encodec", "musicgen", "bark", "vits", "forctc")),
            Map.entry(VISION, List.of("vit", "timm", "resnet", "convnext", "cnn", "deit", "swin", "beit", "dinov2",
                    "efficientnet", "mobilenet", "regnet", "detr", "yolo", "segformer", "mask2former", "image",
                    "vision", "unet")),
            Map.entry(TEXT, List.of("bert", "roberta", "gpt", "t5", "bart", "llama", "mistral", "mixtral",
                    "gemma", "qwen", "falcon", "bloom", "electra", "xlnet", "marian", "pegasus", "mpnet", "nlp",
                    "text", "causallm", "maskedlm", "languagemodel", "sequenceclassification",
                    "tokenclassification", "questionanswering")));

    /** Lowercase identifier, e.g. for URLs and the database. */
    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    /**
     * Infers the modality from the card's pipeline tag, else the config's model_type, else its architecture
     * names, else the card's tags; any of them may be null.
     */
    public static Modality derive(String pipelineTag, String modelType, List<String> architectures,
            List<String> tags) {
        Modality byTag = pipelineTag == null ? null : PIPELINE_TAGS.get(pipelineTag.toLowerCase(Locale.ROOT));
        if (byTag != null) {
            return byTag;
        }
        Modality byType = fromName(modelType);
        if (byType != UNKNOWN) {
            return byType;
        }
        for (String architecture : architectures == null ? List.<String>of() : architectures) {
            Modality byArchitecture = fromName(architecture);
            if (byArchitecture != UNKNOWN) {
                return byArchitecture;
            }
        }
        for (String tag : tags == null ? List.<String>of() : tags) {
            Modality byPipelineTag = tag == null ? null : PIPELINE_TAGS.get(tag.toLowerCase(Locale.ROOT));
            if (byPipelineTag != null) {
                return byPipelineTag;
            }
            Modality byName = fromName(tag);
            if (byName != UNKNOWN) {
                return byName;
            }
        }
        return UNKNOWN;
    }

    private static Modality fromName(String name) {
        if (name == null || name.isBlank()) {
            return UNKNOWN;
        }
        String lower = name.toLowerCase(Locale.ROOT);
        for (Map.Entry<Modality, List<String>> hint : NAME_HINTS) {
            if (hint.getValue().stream().anyMatch(lower::contains)) {
                return hint.getKey();
            }
        }
        return UNKNOWN;
    }

    private static Map<String, Modality> byModality(Set<String> text, Set<String> vision, Set<String> audio,
            Set<String> multimodal) {
        var tags = new java.util.HashMap<String, Modality>();
        text.forEach(t -> tags.put(t, TEXT));
        vision.forEach(t -> tags.put(t, VISION));
        audio.forEach(t -> tags.put(t, AUDIO));
        multimodal.forEach(t -> tags.put(t, MULTIMODAL));
        return Map.copyOf(tags);
    }
}
