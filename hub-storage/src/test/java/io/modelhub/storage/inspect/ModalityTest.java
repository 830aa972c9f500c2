package io.modelhub.storage.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ModalityTest {

    @ParameterizedTest
    @CsvSource({
            "fill-mask, TEXT",
            "text-generation, TEXT",
            "sentence-similarity, TEXT",
            "image-classification, VISION",
            "object-detection, VISION",
            "automatic-speech-recognition, AUDIO",
            "text-to-speech, AUDIO",
            "image-text-to-text, MULTIMODAL",
            "zero-shot-image-classification, MULTIMODAL",
            "text-to-image, MULTIMODAL",
    })
    void pipelineTagDecides(String pipelineTag, Modality expected) {
        assertEquals(expected, Modality.derive(pipelineTag, "vit", List.of("WhisperModel"), List.of("audio")));
    }

    @ParameterizedTest
    @CsvSource({
            "bert, TEXT",
            "gpt_neox, TEXT",
            "vit, VISION",
            "timm, VISION",
            "convnext, VISION",
            "wav2vec2, AUDIO",
            "hubert, AUDIO",
            "clip, MULTIMODAL",
            "siglip, MULTIMODAL",
    })
    void modelTypeWhenNoPipelineTag(String modelType, Modality expected) {
        assertEquals(expected, Modality.derive(null, modelType, List.of(), List.of()));
    }

    @Test
    void architecturesThenTags() {
        assertEquals(Modality.VISION, Modality.derive("unknown-task", null, List.of("ResNetForImageClassification"),
                List.of()));
        assertEquals(Modality.AUDIO, Modality.derive(null, "", List.of("Foo"), List.of("transformers", "audio")));
        assertEquals(Modality.TEXT, Modality.derive(null, null, null, List.of("text-classification")));
        assertEquals(Modality.UNKNOWN, Modality.derive(null, "mystery", List.of("MysteryModel"), List.of("pytorch")));
    }

    @Test
    void idIsLowercase() {
        assertEquals("multimodal", Modality.MULTIMODAL.id());
    }
}
