package io.modelhub.runners.recipes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.contract.ParamSpec;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RecipesTest {

    @Test
    void bothImageRecipesAreRegistered() {
        Recipe pretraining = RecipeRegistry.find("image-pretraining").orElseThrow();
        Recipe fineTuning = RecipeRegistry.find("image-classification").orElseThrow();
        assertFalse(pretraining.needsBaseModel());
        assertTrue(fineTuning.needsBaseModel());
        for (Recipe recipe : List.of(pretraining, fineTuning)) {
            assertEquals("vision", recipe.modality());
            assertEquals("image-classification", recipe.task());
        }
        assertEquals(List.of("epochs", "learning_rate", "batch_size", "seed", "image_size", "color_mode", "conv_channels",
                        "kernel_size", "batch_norm", "padding", "head", "hidden_sizes", "dropout"),
                pretraining.parameters().stream().map(ParamSpec::name).toList());
        assertEquals(List.of("epochs", "learning_rate", "batch_size", "seed", "freeze_backbone", "image_size",
                "warmup_ratio", "max_grad_norm", "augment"), fineTuning.parameters().stream().map(ParamSpec::name).toList());
    }

    @Test
    void bothAudioRecipesAreRegistered() {
        Recipe pretraining = RecipeRegistry.find("audio-pretraining").orElseThrow();
        Recipe fineTuning = RecipeRegistry.find("audio-classification").orElseThrow();
        assertFalse(pretraining.needsBaseModel());
        assertTrue(fineTuning.needsBaseModel());
        for (Recipe recipe : List.of(pretraining, fineTuning)) {
            assertEquals("audio", recipe.modality());
            assertEquals("audio-classification", recipe.task());
        }
        assertEquals(List.of("epochs", "learning_rate", "batch_size", "seed", "sample_rate", "n_mels", "clip_seconds"),
                pretraining.parameters().stream().map(ParamSpec::name).toList());
        assertEquals(List.of("epochs", "learning_rate", "batch_size", "seed", "freeze_backbone", "warmup_ratio",
                "max_grad_norm", "trainable_layers", "freeze_feature_encoder", "max_duration_s"),
                fineTuning.parameters().stream().map(ParamSpec::name).toList());
        assertEquals(List.of("modelhub-audio", "wav2vec2", "hubert"), fineTuning.modelTypes());
        Params defaults = Params.of(pretraining.parameters(), Map.of());
        assertEquals(16_000, defaults.getInt("sample_rate"));
        assertEquals(40, defaults.getInt("n_mels"));
        assertEquals(1.0, defaults.getDouble("clip_seconds"));
    }

    @Test
    void bothTextRecipesAreRegistered() {
        Recipe pretraining = RecipeRegistry.find("text-pretraining").orElseThrow();
        Recipe fineTuning = RecipeRegistry.find("text-classification").orElseThrow();
        assertFalse(pretraining.needsBaseModel());
        assertTrue(fineTuning.needsBaseModel());
        assertEquals("text", pretraining.modality());
        assertEquals("text", fineTuning.modality());
        assertEquals("fill-mask", pretraining.task());
        assertEquals("text-classification", fineTuning.task());
        assertEquals(List.of("epochs", "learning_rate", "batch_size", "seed", "vocab_size", "max_length",
                "hidden_size", "num_layers", "mask_probability"),
                pretraining.parameters().stream().map(ParamSpec::name).toList());
        assertEquals(List.of("epochs", "learning_rate", "batch_size", "seed", "freeze_backbone", "warmup_ratio",
                "max_grad_norm", "trainable_layers", "max_length"),
                fineTuning.parameters().stream().map(ParamSpec::name).toList());
        // version 2 added parameters and the BERT family: a published (id, version) never changes
        assertEquals("2", fineTuning.version());
        assertEquals(List.of("modelhub-text", "torchscript", "bert", "roberta", "xlm-roberta", "distilbert"),
                fineTuning.modelTypes());
        Params defaults = Params.of(fineTuning.parameters(), Map.of());
        assertFalse(defaults.has("learning_rate"));
        assertFalse(defaults.has("warmup_ratio"));
        assertEquals(1.0, defaults.getDouble("max_grad_norm"));
        assertEquals(-1, defaults.getInt("trainable_layers"));
        assertEquals(128, defaults.getInt("max_length"));
    }

    @Test
    void evaluateCoversTheBertFamily() {
        Recipe evaluate = RecipeRegistry.find("evaluate").orElseThrow();
        assertEquals("2", evaluate.version());
        assertTrue(evaluate.modelTypes().containsAll(io.modelhub.contract.ModelTypes.BERT_FAMILY),
                evaluate.modelTypes().toString());
    }

    @Test
    void paramsApplyDefaultsTypesAndRanges() {
        List<ParamSpec> specs = RecipeRegistry.find("image-classification").orElseThrow().parameters();
        Params defaults = Params.of(specs, Map.of());
        assertEquals(5, defaults.getInt("epochs"));
        assertFalse(defaults.has("learning_rate"), "the default depends on the base model's kind");
        assertEquals(32, defaults.getInt("batch_size"));
        assertEquals(42, defaults.getInt("seed"));
        assertFalse(defaults.getBoolean("freeze_backbone"));

        Params given = Params.of(specs, Map.of("epochs", 3L, "learning_rate", "0.01", "freeze_backbone", "true"));
        assertEquals(3, given.getInt("epochs"));
        assertEquals(0.01, given.getDouble("learning_rate"));
        assertTrue(given.getBoolean("freeze_backbone"));

        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> Params.of(specs, Map.of("epochs", 0)).getInt("epochs"));
        assertEquals("Parameter 'epochs' is 0; it must be between 1 and 200", range.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Params.of(specs, Map.of("epochs", 2.5)).getInt("epochs"));
        IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class,
                () -> Params.of(specs, Map.of("epoch", 2)));
        assertTrue(unknown.getMessage().startsWith("Unknown parameter 'epoch'"), unknown.getMessage());
    }
}
