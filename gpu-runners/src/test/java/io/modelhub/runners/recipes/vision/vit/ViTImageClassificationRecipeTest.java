package io.modelhub.runners.recipes.vision.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.ImageClassificationRecipe;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * image-classification takes a transformers ViT as its base model: a new head for the dataset's labels, trained
 * through the shared loop, written back as a ViTForImageClassification with its preprocessor_config.json; an input
 * size other than the checkpoint's is refused before any work.
 */
class ViTImageClassificationRecipeTest {

    @TempDir
    Path tmp;

    @Test
    void fineTunesAViTBaseAndWritesTheTransformersLayout() throws Exception {
        Path data = ImageFolderDatasetBuilder.in(tmp.resolve("data"))
                .classes(Pattern.HORIZONTAL_STRIPES, Pattern.VERTICAL_STRIPES, Pattern.DISC).seed(8).build();
        Path base = TinyViT.writeBase(tmp.resolve("base"));
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(base).dataset(data)
                .param("epochs", 4).param("batch_size", 16).param("learning_rate", 2e-3).param("seed", 3).build();
        RunResult result = new ImageClassificationRecipe().run(ctx);
        assertTrue(result.completed(), ctx.logs().toString());
        double tuned = result.finalMetrics().get("test_accuracy");
        double untrained = result.finalMetrics().get("base_test_accuracy");
        System.out.printf("ViTImageClassificationRecipeTest: test_accuracy %.3f (untrained head %.3f)%n", tuned, untrained);
        assertTrue(tuned >= untrained + 0.3, "the fine-tuned ViT learns the patterns: " + tuned + " vs " + untrained);

        JsonNode config = ConfigJson.JSON.readTree(Files.readString(ctx.outputDir().resolve("config.json")));
        assertEquals("vit", config.path("model_type").asText());
        assertEquals("ViTForImageClassification", config.path("architectures").path(0).asText());
        assertEquals(3, config.path("id2label").size(), config.toString());
        assertTrue(Files.isRegularFile(ctx.outputDir().resolve("preprocessor_config.json")));
        try (ViTClassifier reloaded = ViTClassifier.load(ctx.outputDir(), ai.djl.Device.cpu())) {
            assertEquals(3, reloaded.labels().size());
        }
    }

    @Test
    void refusesAnotherInputSize() throws Exception {
        Path data = ImageFolderDatasetBuilder.in(tmp.resolve("data"))
                .classes(Pattern.HORIZONTAL_STRIPES, Pattern.DISC).seed(2).build();
        Path base = TinyViT.writeBase(tmp.resolve("base"));
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(base).dataset(data)
                .param("epochs", 1).param("image_size", 64).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageClassificationRecipe().run(ctx));
        assertTrue(e.getMessage().contains("position embeddings"), e.getMessage());
    }
}
