package io.modelhub.runners;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;

class RecipeInfoTest {

    private static RecipeInfo recipe(String modality, String task) {
        return new RecipeInfo("r", "1", modality, task, false, List.of());
    }

    @Test
    void aCardsPipelineTagNeverMovesTheModelToAnotherModality() {
        assertEquals(Optional.of("fill-mask"), recipe("text", "fill-mask").pipelineTag());
        assertEquals(Optional.of("audio-classification"), recipe("audio", "audio-classification").pipelineTag());
        assertEquals(Optional.empty(), recipe("multimodal", "feature-extraction").pipelineTag(), "a text tag on a dual encoder");
        assertEquals(Optional.of("zero-shot-image-classification"), recipe("multimodal", "zero-shot-image-classification").pipelineTag());
        assertEquals(Optional.of("my-own-task"), recipe("vision", "my-own-task").pipelineTag(), "a tag the hub does not know");
    }
}
