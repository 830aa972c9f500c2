package io.modelhub.runners.recipes.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.data.TextDataset;
import io.modelhub.runners.recipes.vision.ClassificationMetrics;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.recipes.eval.EvaluateRecipe;
import io.modelhub.runners.testing.TextDatasetBuilder;
import io.modelhub.runners.testing.TextDatasetBuilder.Topic;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextClassificationRecipeTest {

    @TempDir
    static Path shared;
    static Path data;

    @TempDir
    Path tmp;

    @BeforeAll
    static void dataset() {
        // few labelled texts, held-out test split; HF-style file names and jsonl
        data = TextDatasetBuilder.in(shared.resolve("topics")).topics(Topic.SPORT, Topic.WEATHER, Topic.MUSIC)
                .split("train", 30).split("validation", 10).split("test", 40).format("jsonl").hfNames(true)
                .noise(0.3).seed(29).build();
    }

    @Test
    void fineTuningAPretrainedEncoderBeatsItsBase() throws Exception {
        FakeRunContext ctx = FakeRunContext.builder(tmp).baseModel(PretrainedText.modelDir()).dataset(data)
                .param("epochs", 6).param("batch_size", 8).param("learning_rate", 3e-3).build();

        long started = System.nanoTime();
        RunResult result = new TextClassificationRecipe().run(ctx);
        System.out.printf("text fine-tuning: %s in %.1f s%n%s%n", result.finalMetrics(),
                (System.nanoTime() - started) / 1e9, String.join("\n", ctx.logs()));

        assertTrue(result.completed());
        Map<String, Double> metrics = result.finalMetrics();
        double base = metrics.get("base_test_accuracy");
        double tuned = metrics.get("test_accuracy");
        assertTrue(tuned > base + 0.3, "fine-tuned " + tuned + " vs base " + base);
        assertTrue(tuned >= 0.75, "fine-tuned test accuracy " + tuned);
        assertTrue(metrics.get("test_macro_f1") > metrics.get("base_test_macro_f1"));
        assertEquals(0L, ctx.metrics().get(0).step());
        assertEquals("base_test_accuracy", ctx.metrics().get(0).name());
        assertEquals(6, ctx.values("val_accuracy").size());

        TextEncoderConfig config = TextEncoderConfig.read(ctx.outputDir().resolve("config.json"));
        assertEquals(List.of("music", "sport", "weather"), config.labels());
        assertTrue(Files.isRegularFile(ctx.outputDir().resolve("tokenizer.json")));

        // the evaluation entry point scores the written model exactly as the run did
        try (TextClassifierModel model = TextClassifierModel.load(ctx.outputDir(), Device.cpu())) {
            ClassificationMetrics again = model.evaluate(TextDataset.open(data, 42, true).split("test"));
            assertEquals(tuned, again.accuracy(), 1e-9);
            assertEquals(120, again.count());
        }
        // and so does the "evaluate" recipe, which picks TextClassifierEvaluator by the model's model_type
        FakeRunContext evaluation = FakeRunContext.builder(tmp.resolve("evaluate")).baseModel(ctx.outputDir()).dataset(data)
                .param("metric", "accuracy").build();
        RunResult scored = new EvaluateRecipe().run(evaluation);
        assertEquals(tuned, scored.finalMetrics().get("score"), 1e-9);
        assertEquals("modelhub-text", scored.details().get("model_type"));
    }

    @Test
    void resumeContinuesAfterTheCheckpointAndCancelWritesNothing() throws Exception {
        Path base = TorchScriptFixture.copyTo(tmp.resolve("base"));
        FakeRunContext first = FakeRunContext.builder(tmp.resolve("attempt-1")).baseModel(base).dataset(data)
                .param("epochs", 3).param("batch_size", 16).param("learning_rate", 1e-2)
                .cancelAfterCheckpoints(1).build();
        RunResult interrupted = new TextClassificationRecipe().run(first);
        assertFalse(interrupted.completed());
        RunContext.Checkpoint checkpoint = first.checkpoints().get(0);
        // 90 train texts, batches of 16: 6 steps per epoch
        assertEquals(6, checkpoint.step());
        try (Stream<Path> files = Files.list(first.outputDir())) {
            assertEquals(0, files.count());
        }
        assertTrue(Files.isRegularFile(checkpoint.dir().resolve("model.pt")));

        FakeRunContext second = FakeRunContext.builder(tmp.resolve("attempt-2")).baseModel(base).dataset(data)
                .param("epochs", 3).param("batch_size", 16).param("learning_rate", 1e-2)
                .resumeFrom(checkpoint).build();
        RunResult resumed = new TextClassificationRecipe().run(second);

        assertTrue(resumed.completed());
        assertTrue(second.logs().contains("Resuming from checkpoint at epoch 1, step 6"), second.logs().toString());
        assertEquals(List.of(2.0, 3.0), second.values("epoch"));
        assertEquals(12, second.steps());
        assertTrue(resumed.finalMetrics().get("test_accuracy") > resumed.finalMetrics().get("base_test_accuracy"));
    }

    @Test
    void aBaseModelOfAnotherKindIsRefusedClearly() throws Exception {
        Path base = Files.createDirectories(tmp.resolve("gpt2"));
        Files.writeString(base.resolve("config.json"), "{\"model_type\": \"gpt2\", \"n_embd\": 768}");
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(base).dataset(data).build();
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> new TextClassificationRecipe().run(ctx));
        assertTrue(e.getMessage().contains("model_type \"gpt2\"") && e.getMessage().contains("torchscript")
                && e.getMessage().contains("distilbert"),
                e.getMessage());

        FakeRunContext none = FakeRunContext.builder(tmp.resolve("none")).dataset(data).build();
        IllegalArgumentException missing = assertThrows(IllegalArgumentException.class,
                () -> new TextClassificationRecipe().run(none));
        assertTrue(missing.getMessage().contains("fine-tunes a base model"), missing.getMessage());
    }
}
