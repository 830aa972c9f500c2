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

    @Test
    void intListsAreCheckedAndNormalisedFromTextOrJson() {
        ParamSpec widths = ParamSpec.intList("conv_channels", "16,32,64", 1, 4096, "widths");
        ParamSpec optional = ParamSpec.intList("hidden_sizes", "", 1, 8192, "widths");
        assertEquals("32,64", widths.check(" 32 , 64 "));
        assertEquals("32,64", widths.check(List.of(32, 64L)));
        assertEquals(List.of(32, 64), ParamSpec.ints("32,64"));
        assertEquals("", optional.check(""));
        assertEquals(List.of(), ParamSpec.ints(optional.check(List.of()).toString()));
        assertEquals("Parameter 'conv_channels' needs at least one number: whole numbers separated by commas, e.g. \"32,64\"",
                assertThrows(InvalidParameterException.class, () -> widths.check("")).getMessage());
        assertEquals("Parameter 'conv_channels' must be whole numbers separated by commas, e.g. \"32,64\", got '32,x'",
                assertThrows(InvalidParameterException.class, () -> widths.check("32,x")).getMessage());
        assertEquals("Parameter 'conv_channels' must be whole numbers separated by commas, e.g. \"32,64\", got '[32, 2.5]'",
                assertThrows(InvalidParameterException.class, () -> widths.check(List.of(32, 2.5))).getMessage());
        assertEquals("Parameter 'conv_channels' has 5000; each number must be between 1 and 4096",
                assertThrows(InvalidParameterException.class, () -> widths.check("32,5000")).getMessage());
        assertTrue(assertThrows(InvalidParameterException.class,
                () -> widths.check(java.util.Collections.nCopies(65, 8))).getMessage().contains("at most 64"));
    }
}
