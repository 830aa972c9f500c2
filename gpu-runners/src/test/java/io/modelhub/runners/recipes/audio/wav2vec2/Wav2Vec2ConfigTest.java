package io.modelhub.runners.recipes.audio.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.util.List;
import org.junit.jupiter.api.Test;

class Wav2Vec2ConfigTest {

    @Test
    void transformersDefaultsAreThoseOfWav2Vec2Base() {
        Wav2Vec2Config config = Wav2Vec2Config.parse("{\"model_type\": \"wav2vec2\"}");
        assertEquals(List.of(512, 512, 512, 512, 512, 512, 512), config.convDim());
        assertEquals(768, config.hiddenSize());
        assertEquals(12, config.layers());
        assertEquals(128, config.numConvPosEmbeddings());
        assertEquals(16, config.numConvPosEmbeddingGroups());
        assertFalse(config.layerNormFeatures());
        assertFalse(config.stableLayerNorm());
        assertEquals(256, config.classifierProjSize());
        // the published feature encoder: 20 ms frames with a 25 ms receptive field; 1 s of 16 kHz audio is 49 frames
        assertEquals(320, config.hop());
        assertEquals(400, config.receptiveField());
        assertEquals(49, config.frames(16_000));
        assertEquals(1, config.frames(400));
        assertEquals(0, config.frames(399));
    }

    @Test
    void hubertWithoutFeatureProjectionNormHasNoSuchTensor() {
        Wav2Vec2Config config = Wav2Vec2Config.parse(TinyWav2Vec2.configJson("hubert")
                .replace("\"model_type\"", "\"feat_proj_layer_norm\": false, \"model_type\""));
        Wav2Vec2Block block = new Wav2Vec2Block(config, true, 2);
        assertFalse(block.namedParameters().containsKey("hubert.feature_projection.layer_norm.weight"));
        assertTrue(block.namedParameters().containsKey("hubert.feature_projection.projection.weight"));
        // wav2vec2 has no such switch: its projection always starts with a LayerNorm
        Wav2Vec2Config wav2vec2 = Wav2Vec2Config.parse(TinyWav2Vec2.configJson("wav2vec2")
                .replace("\"model_type\"", "\"feat_proj_layer_norm\": false, \"model_type\""));
        assertTrue(new Wav2Vec2Block(wav2vec2, false, 0).namedParameters()
                .containsKey("feature_projection.layer_norm.weight"));
    }

    @Test
    void withLabelsWritesTheClassifierArchitectureAndKeepsTheRest() {
        Wav2Vec2Config config = Wav2Vec2Config.parse(TinyWav2Vec2.configJson("hubert")).withLabels(List.of("a", "b"));
        assertEquals(List.of("HubertForSequenceClassification"), config.architectures());
        assertEquals(List.of("a", "b"), config.labels());
        assertEquals(0.1, config.json().path("initializer_range").asDouble());
        assertEquals("single_label_classification", config.json().path("problem_type").asText());
    }

    @Test
    void fieldsThatCannotWorkAreNamed() {
        String heads = assertThrows(InvalidModelException.class, () -> Wav2Vec2Config.parse(
                "{\"model_type\": \"wav2vec2\", \"hidden_size\": 100, \"num_attention_heads\": 12}")).getMessage();
        assertTrue(heads.contains("hidden_size 100, not divisible by num_attention_heads 12"), heads);
        String act = assertThrows(InvalidModelException.class, () -> Wav2Vec2Config.parse(
                "{\"model_type\": \"wav2vec2\", \"hidden_act\": \"swish\"}")).getMessage();
        assertTrue(act.contains("hidden_act \"swish\""), act);
        String type = assertThrows(InvalidModelException.class, () -> Wav2Vec2Config.parse(
                "{\"model_type\": \"wavlm\"}")).getMessage();
        assertTrue(type.contains("model_type \"wavlm\""), type);
    }
}
