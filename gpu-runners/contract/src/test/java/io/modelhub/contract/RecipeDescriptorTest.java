package io.modelhub.contract;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RecipeDescriptorTest {

    private static RecipeDescriptor recipe(String modality, String task) {
        return new RecipeDescriptor("r", "1", modality, task, false, true, List.of(), List.of());
    }

    @Test
    void aCardsPipelineTagNeverMovesTheModelToAnotherModality() {
        assertEquals(Optional.of("fill-mask"), recipe("text", "fill-mask").pipelineTag());
        assertEquals(Optional.of("audio-classification"), recipe("audio", "audio-classification").pipelineTag());
        assertEquals(Optional.empty(), recipe("multimodal", "feature-extraction").pipelineTag(), "a text tag on a dual encoder");
        assertEquals(Optional.of("zero-shot-image-classification"), recipe("multimodal", "zero-shot-image-classification").pipelineTag());
        assertEquals(Optional.of("my-own-task"), recipe("vision", "my-own-task").pipelineTag(), "a tag the hub does not know");
    }

    @Test
    void classificationRecipesNeedLabelledDataZeroShotOnesDoNot() {
        assertTrue(recipe("vision", "image-classification").needsLabels());
        assertTrue(recipe("text", "text-classification").needsLabels());
        assertEquals(false, recipe("multimodal", "zero-shot-image-classification").needsLabels());
        assertEquals(false, recipe("text", "fill-mask").needsLabels());
    }

    @Test
    void versionsOrderAsNumbersWhereTheyAreNumbers() {
        List<String> sorted = List.of("10", "2", "1.10", "1.9", "1").stream().sorted(RecipeDescriptor.VERSION_ORDER).toList();
        assertEquals(List.of("1", "1.9", "1.10", "2", "10"), sorted);
    }

    @Test
    void oneValidationForHubAndRunner() {
        List<ParamSpec> schema = List.of(ParamSpec.integer("epochs", 5, 1, 200, "passes"),
                ParamSpec.number("learning_rate", 1e-3, 1e-6, 1.0, "step"), ParamSpec.bool("freeze", false, "freeze"),
                ParamSpec.choice("train", "heads", List.of("heads", "all"), "what trains"));
        Map<String, Object> values = JobParameters.validate("r", schema, Map.of("epochs", "7", "freeze", "true"));
        assertEquals(Map.of("epochs", 7L, "learning_rate", 1e-3, "freeze", true, "train", "heads"), values);
        assertEquals("Parameter 'epochs' is 1000000000000; it must be between 1 and 200",
                assertThrows(InvalidParameterException.class, () -> JobParameters.validate("r", schema, Map.of("epochs", 1000000000000L))).getMessage());
        assertEquals("Parameter 'epochs' must be a whole number, got 2.5",
                assertThrows(InvalidParameterException.class, () -> JobParameters.validate("r", schema, Map.of("epochs", 2.5))).getMessage());
        assertEquals("Parameter 'train' must be one of [heads, all], got 'none'",
                assertThrows(InvalidParameterException.class, () -> JobParameters.validate("r", schema, Map.of("train", "none"))).getMessage());
        InvalidParameterException unknown = assertThrows(InvalidParameterException.class,
                () -> JobParameters.validate("r", schema, Map.of("epoch", 1)));
        assertEquals("epoch", unknown.parameter());
        assertTrue(unknown.getMessage().startsWith("Unknown parameter 'epoch' for recipe 'r' (known: epochs, freeze, learning_rate, train)"));
    }
}
