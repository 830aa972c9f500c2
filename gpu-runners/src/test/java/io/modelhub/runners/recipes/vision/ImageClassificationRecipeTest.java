package io.modelhub.runners.recipes.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageClassificationRecipeTest {

    @TempDir
    static Path shared;
    static Path newClasses;

    @TempDir
    Path tmp;

    @BeforeAll
    static void dataset() {
        // none of these classes was in pre-training: the head must learn new labels on the pretrained backbone
        newClasses = ImageFolderDatasetBuilder.in(shared.resolve("new-classes"))
                .classes(Pattern.DIAGONAL_STRIPES, Pattern.DOTS, Pattern.GRID, Pattern.RING)
                .split("train", 30).split("val", 10).split("test", 20)
                .seed(23).build();
    }

    @Test
    void fineTuningOnNewLabelsBeatsTheBaseModel() throws Exception {
        FakeRunContext ctx = FakeRunContext.builder(tmp).baseModel(PretrainedCnn.modelDir()).dataset(newClasses)
                .param("epochs", 6).param("batch_size", 16).param("learning_rate", 3e-3).build();

        long started = System.nanoTime();
        RunResult result = new ImageClassificationRecipe().run(ctx);
        System.out.printf("fine-tuning: %s in %.1f s (base model: %s)%n", result.finalMetrics(),
                (System.nanoTime() - started) / 1e9, PretrainedCnn.result().finalMetrics());

        assertTrue(result.completed());
        Map<String, Double> metrics = result.finalMetrics();
        double base = metrics.get("base_test_accuracy");
        double tuned = metrics.get("test_accuracy");
        // the hub's acceptance: better than the base backbone with the new, untrained head (about chance, 0.25)
        assertTrue(tuned > base + 0.3, "fine-tuned " + tuned + " vs base " + base);
        assertTrue(tuned >= 0.7, "fine-tuned test accuracy " + tuned);
        assertEquals(base, ctx.last("base_test_accuracy").orElseThrow());
        assertEquals(0L, ctx.metrics().stream().filter(m -> m.name().equals("base_test_accuracy")).findFirst()
                .orElseThrow().step());
        assertEquals(6, ctx.values("val_accuracy").size());

        CnnConfig config = CnnConfig.read(ctx.outputDir().resolve(CnnModel.CONFIG_FILE));
        assertEquals(List.of("diagonal-stripes", "dots", "grid", "ring"), config.labels());
        assertEquals(CnnConfig.read(PretrainedCnn.modelDir().resolve(CnnModel.CONFIG_FILE)).channels(),
                config.channels());
    }

    @Test
    void frozenBackboneStaysExactlyAsPretrained() throws Exception {
        FakeRunContext ctx = FakeRunContext.builder(tmp).baseModel(PretrainedCnn.modelDir()).dataset(newClasses)
                .param("epochs", 2).param("batch_size", 32).param("freeze_backbone", true).build();

        RunResult result = new ImageClassificationRecipe().run(ctx);

        assertTrue(result.completed());
        var base = Safetensors.read(PretrainedCnn.modelDir().resolve(CnnModel.WEIGHTS_FILE));
        var tuned = Safetensors.read(ctx.outputDir().resolve(CnnModel.WEIGHTS_FILE));
        assertEquals(base.keySet(), tuned.keySet());
        for (String name : base.keySet()) {
            if (name.startsWith("backbone.")) {
                // weights and batch norm running statistics alike
                assertArrayEquals(base.get(name).data(), tuned.get(name).data(), 0f, name);
            }
        }
        assertFalse(java.util.Arrays.equals(base.get("classifier.weight").data(),
                tuned.get("classifier.weight").data()));
        assertTrue(ctx.logs().stream().anyMatch(l -> l.startsWith("Backbone frozen")));
    }

    @Test
    void withoutBaseModelTheErrorSaysSo() {
        FakeRunContext ctx = FakeRunContext.builder(tmp).dataset(newClasses).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new ImageClassificationRecipe().run(ctx));
        assertTrue(e.getMessage().contains("fine-tunes a base model"), e.getMessage());
    }
}
