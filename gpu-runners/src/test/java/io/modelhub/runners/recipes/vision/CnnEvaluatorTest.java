package io.modelhub.runners.recipes.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.RecipeRegistry;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.eval.EvaluateRecipe;
import io.modelhub.runners.recipes.eval.ModelEvaluators;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CnnEvaluatorTest {

    @TempDir
    Path tmp;

    @Test
    void evaluateRecipeScoresAModelTheSameWayTwice() throws Exception {
        Path data = ImageFolderDatasetBuilder.in(tmp.resolve("data")).classes(PretrainedCnn.CLASSES).seed(31).build();
        RunResult first = evaluate(data, "first", Map.of("metric", "accuracy"));
        RunResult again = evaluate(data, "again", Map.of("metric", "accuracy", "batch_size", 7));

        assertTrue(first.completed());
        double score = first.finalMetrics().get("score");
        assertEquals(first.finalMetrics().get("accuracy"), score);
        // the shared model learned these four patterns: far above chance (0.25) on fresh images of them
        assertTrue(score >= 0.7, "accuracy " + score);
        assertEquals(score, again.finalMetrics().get("score"), 1e-9, "same inputs, same score; batch size irrelevant");
        assertEquals("modelhub-cnn", first.details().get("model_type"));
        assertEquals(80, first.details().get("examples"));
        @SuppressWarnings("unchecked")
        Map<String, Object> preprocessing = (Map<String, Object>) first.details().get("preprocessing");
        assertEquals(32, preprocessing.get("image_size"));

        RunResult f1 = evaluate(data, "f1", Map.of("metric", "macro_f1", "split", "validation"));
        assertEquals(f1.finalMetrics().get("macro_f1"), f1.finalMetrics().get("score"));
    }

    @Test
    void evaluateRecipeIsRegisteredAndProducesNoModel() {
        var recipe = RecipeRegistry.find(EvaluateRecipe.ID).orElseThrow();
        assertFalse(recipe.producesModel());
        assertTrue(recipe.needsBaseModel());
        assertEquals("modelhub-cnn", ModelEvaluators.find("modelhub-cnn").orElseThrow().modelType());
    }

    @Test
    void badMetricSplitModelTypeAndLabelsAreClearErrors() throws Exception {
        Path data = ImageFolderDatasetBuilder.in(tmp.resolve("data")).classes(PretrainedCnn.CLASSES).seed(32).build();
        IllegalArgumentException metric = assertThrows(IllegalArgumentException.class,
                () -> evaluate(data, "m", Map.of("metric", "bleu")));
        assertTrue(metric.getMessage().contains("computes [accuracy, macro_f1], not \"bleu\""), metric.getMessage());
        IllegalArgumentException split = assertThrows(IllegalArgumentException.class,
                () -> evaluate(data, "s", Map.of("split", "holdout")));
        assertTrue(split.getMessage().contains("split \"holdout\""), split.getMessage());

        Path other = ImageFolderDatasetBuilder.in(tmp.resolve("other"))
                .classes(ImageFolderDatasetBuilder.Pattern.RING, ImageFolderDatasetBuilder.Pattern.CROSS).seed(3).build();
        IllegalArgumentException labels = assertThrows(IllegalArgumentException.class,
                () -> evaluate(other, "l", Map.of()));
        assertTrue(labels.getMessage().contains("do not include the dataset's [cross, ring]"), labels.getMessage());

        Path textModel = Files.createDirectories(tmp.resolve("text-model"));
        Files.writeString(textModel.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("t")).baseModel(textModel).dataset(data).build();
        IllegalArgumentException type = assertThrows(IllegalArgumentException.class, () -> new EvaluateRecipe().run(ctx));
        assertTrue(type.getMessage().contains("no evaluator for model_type \"gpt2\""), type.getMessage());
    }

    private RunResult evaluate(Path data, String name, Map<String, ?> params) throws Exception {
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve(name)).baseModel(PretrainedCnn.modelDir()).dataset(data)
                .params(params).build();
        return new EvaluateRecipe().run(ctx);
    }
}
