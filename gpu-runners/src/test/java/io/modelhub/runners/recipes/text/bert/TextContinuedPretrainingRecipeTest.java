package io.modelhub.runners.recipes.text.bert;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.modelhub.runners.recipes.Recipe;
import io.modelhub.runners.recipes.RecipeRegistry;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.text.TextContinuedPretrainingRecipe;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.TextDatasetBuilder;
import io.modelhub.runners.testing.TextDatasetBuilder.Topic;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** text-continued-pretraining: masked-LM training of a pretrained BERT-family encoder lowers held-out MLM loss. */
class TextContinuedPretrainingRecipeTest {

    @TempDir
    Path tmp;

    @Test
    void miniLmsHeldOutMlmLossGoesDown() throws Exception {
        Path corpus = TextDatasetBuilder.in(tmp.resolve("corpus")).topics(Topic.SPORT, Topic.FOOD, Topic.WEATHER)
                .split("train", 100).split("validation", 20).labels(false).seed(5).build();
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(MiniLm.dir()).dataset(corpus)
                .param("epochs", 1).param("batch_size", 16).param("max_length", 32).param("learning_rate", 1e-4)
                .build();
        long started = System.nanoTime();
        RunResult result = new TextContinuedPretrainingRecipe().run(ctx);
        System.out.printf("TextContinuedPretrainingRecipeTest (MiniLM): %s in %.1f s%n%s%n", result.finalMetrics(),
                (System.nanoTime() - started) / 1e9, String.join("\n", ctx.logs()));

        assertTrue(result.completed());
        Map<String, Double> metrics = result.finalMetrics();
        assertTrue(metrics.get("val_mlm_loss") < metrics.get("base_val_mlm_loss") - 1.0, metrics.toString());
        assertEquals(0L, ctx.metrics().get(0).step());
        assertEquals("base_val_mlm_loss", ctx.metrics().get(0).name());

        try (BertModel saved = BertModel.load(ctx.outputDir(), Device.cpu())) {
            assertEquals(List.of("BertForMaskedLM"), saved.config().architectures());
            assertEquals(BertConfig.Task.MASKED_LM, saved.block().task());
        }
        Set<String> names = Safetensors.read(ctx.outputDir().resolve("model.safetensors")).keySet();
        assertTrue(names.contains("cls.predictions.transform.dense.weight"), names.toString());
        assertTrue(names.contains("bert.encoder.layer.5.output.dense.weight"), names.toString());
        assertFalse(names.contains("cls.predictions.decoder.weight"), "tied decoder saved once");
    }

    @Test
    void distilbertAndRobertaGetTheirOwnMaskedLmHeads() throws Exception {
        Path corpus = TextDatasetBuilder.in(tmp.resolve("corpus")).topics(Topic.SPORT)
                .split("train", 10).split("validation", 5).labels(false).build();
        for (BertConfig.Family family : List.of(BertConfig.Family.DISTILBERT, BertConfig.Family.ROBERTA)) {
            Path base = TinyBert.write(tmp.resolve(family.modelType()), family);
            FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run-" + family.modelType())).baseModel(base)
                    .dataset(corpus).param("epochs", 1).param("batch_size", 4).build();
            RunResult result = new TextContinuedPretrainingRecipe().run(ctx);
            assertTrue(result.completed());
            assertEquals(1, ctx.checkpoints().size());
            try (BertModel saved = BertModel.load(ctx.outputDir(), Device.cpu())) {
                assertEquals(List.of(family.architecture(BertConfig.Task.MASKED_LM)), saved.config().architectures());
            }
        }
        // a cancelled run resumes after its checkpoint's epoch
        Path base = tmp.resolve(BertConfig.Family.DISTILBERT.modelType());
        FakeRunContext first = FakeRunContext.builder(tmp.resolve("attempt-1")).baseModel(base).dataset(corpus)
                .param("epochs", 2).param("batch_size", 4).cancelAfterCheckpoints(1).build();
        assertFalse(new TextContinuedPretrainingRecipe().run(first).completed());
        FakeRunContext second = FakeRunContext.builder(tmp.resolve("attempt-2")).baseModel(base).dataset(corpus)
                .param("epochs", 2).param("batch_size", 4).resumeFrom(first.checkpoints().get(0)).build();
        assertTrue(new TextContinuedPretrainingRecipe().run(second).completed());
        assertEquals(List.of(2.0), second.values("epoch"));
        assertTrue(second.logs().contains("Resuming from checkpoint at epoch 1, step 3"), second.logs().toString());

        Recipe registered = RecipeRegistry.find(TextContinuedPretrainingRecipe.ID).orElseThrow();
        assertEquals("fill-mask", registered.task());
        assertTrue(registered.needsBaseModel());
        assertEquals(List.of("bert", "roberta", "xlm-roberta", "distilbert"), registered.modelTypes());
    }
}
