package io.modelhub.storage.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PipelineTagsTest {

    @ParameterizedTest
    @CsvSource({
            "bert, BertForSequenceClassification, text-classification",
            "xlm-roberta, XLMRobertaForSequenceClassification, text-classification",
            "modelhub-text, ModelHubTextForSequenceClassification, text-classification",
            "bert, BertForMaskedLM, fill-mask",
            "modelhub-text, ModelHubTextForMaskedLM, fill-mask",
            "vit, ViTForImageClassification, image-classification",
            "modelhub-cnn, ModelHubCnnForImageClassification, image-classification",
            "timm, resnet18, image-classification",
            "wav2vec2, Wav2Vec2ForSequenceClassification, audio-classification",
            "hubert, HubertForSequenceClassification, audio-classification",
            "audio-spectrogram-transformer, ASTForAudioClassification, audio-classification",
            "modelhub-audio, ModelHubAudioCnn, audio-classification",
            "wav2vec2, Wav2Vec2ForCTC, automatic-speech-recognition",
            "bert, BertModel, feature-extraction",
            "wav2vec2, Wav2Vec2Model, feature-extraction",
            "vit, ViTModel, image-feature-extraction",
            "gpt2, GPT2LMHeadModel, text-generation",
    })
    void theArchitecturesHeadDecides(String modelType, String architecture, String expected) {
        assertEquals(expected, PipelineTags.derive(modelType, List.of(architecture), null, Set.of("config.json")));
    }

    @Test
    void sentenceTransformersFoldersAreSentenceSimilarity() {
        assertEquals("sentence-similarity", PipelineTags.derive("bert", List.of("BertModel"), null,
                Set.of("config.json", "modules.json", "1_Pooling/config.json")));
    }

    @Test
    void dualEncodersByTheirSides() {
        List<String> arch = List.of("ModelHubMultimodalDualEncoder");
        assertEquals("zero-shot-image-classification",
                PipelineTags.derive("modelhub-dual-encoder", arch, List.of("vision", "text"), Set.of("config.json")));
        assertEquals("zero-shot-audio-classification",
                PipelineTags.derive("modelhub-dual-encoder", arch, List.of("text", "audio"), Set.of("config.json")));
        assertNull(PipelineTags.derive("modelhub-dual-encoder", arch, List.of("vision", "audio"), Set.of("config.json")));
        assertEquals(Modality.MULTIMODAL, Modality.derive("zero-shot-audio-classification", null, List.of(), List.of()));
    }

    @Test
    void withoutAConfigNothingIsDerived() {
        assertNull(PipelineTags.derive(null, List.of(), null, Set.of("README.md", "model.onnx")));
    }
}
