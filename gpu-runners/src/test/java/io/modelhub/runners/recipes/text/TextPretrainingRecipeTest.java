package io.modelhub.runners.recipes.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.testing.TextDatasetBuilder;
import io.modelhub.runners.testing.TextDatasetBuilder.Topic;
import io.modelhub.runners.testing.FakeRunContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextPretrainingRecipeTest {

    @TempDir
    Path tmp;

    @Test
    void resumeContinuesAfterTheCheckpointWithTheSameTokenizer() throws Exception {
        // 2 topics x 40 texts, 72 train after validation, batches of 32: 3 steps per epoch
        Path corpus = TextDatasetBuilder.in(tmp.resolve("corpus")).topics(Topic.FOOD, Topic.TECH).labels(false)
                .split("train", 40).build();
        Map<String, Object> params = Map.of("epochs", 2, "hidden_size", 32, "num_layers", 1, "max_length", 32);
        FakeRunContext first = FakeRunContext.builder(tmp.resolve("attempt-1")).dataset(corpus).params(params)
                .cancelAfterCheckpoints(1).build();
        assertFalse(new TextPretrainingRecipe().run(first).completed());
        RunContext.Checkpoint checkpoint = first.checkpoints().get(0);
        assertEquals(3, checkpoint.step());
        assertTrue(Files.isRegularFile(checkpoint.dir().resolve("tokenizer.json")));

        FakeRunContext second = FakeRunContext.builder(tmp.resolve("attempt-2")).dataset(corpus).params(params)
                .resumeFrom(checkpoint).build();
        RunResult resumed = new TextPretrainingRecipe().run(second);

        assertTrue(resumed.completed());
        assertTrue(second.logs().contains("Resuming from checkpoint at epoch 1, step 3"), second.logs().toString());
        assertEquals(List.of(2.0), second.values("epoch"));
        assertEquals(4L, second.metrics().stream().filter(m -> m.name().equals("loss")).findFirst().orElseThrow()
                .step());
        assertEquals(Files.readString(checkpoint.dir().resolve("tokenizer.json")),
                Files.readString(second.outputDir().resolve("tokenizer.json")));

        FakeRunContext other = FakeRunContext.builder(tmp.resolve("attempt-3")).dataset(corpus)
                .params(Map.of("epochs", 2, "hidden_size", 48, "num_layers", 1, "max_length", 32))
                .resumeFrom(checkpoint).build();
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> new TextPretrainingRecipe().run(other));
        assertTrue(e.getMessage().contains("this run's parameters give"), e.getMessage());
    }

    @Test
    void theSameSeedGivesTheSameLossesWhileTheGarbageCollectorRuns() throws Exception {
        // autograd keeps tensors of the forward pass for backward; if one lives in a Java buffer that nothing on
        // the Java side holds any more (it was once the attention scale, via NDArray.mul(float)), a collection
        // frees it and backward reads freed memory: random gradients, now and then a NaN loss
        Path corpus = TextDatasetBuilder.in(tmp.resolve("corpus")).topics(Topic.FOOD, Topic.TECH).labels(false)
                .split("train", 40).build();
        Map<String, Object> params = Map.of("epochs", 3, "hidden_size", 32, "num_layers", 1, "max_length", 32);
        Thread collector = new Thread(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                System.gc();
                try {
                    Thread.sleep(2);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }, "gc-pressure");
        collector.setDaemon(true);
        collector.start();
        List<List<Double>> losses = new ArrayList<>();
        try {
            for (int run = 0; run < 3; run++) {
                FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run-" + run)).dataset(corpus).params(params)
                        .build();
                assertTrue(new TextPretrainingRecipe().run(ctx).completed());
                losses.add(ctx.values("loss"));
            }
        } finally {
            collector.interrupt();
            collector.join();
        }
        assertEquals(9, losses.get(0).size());
        assertTrue(losses.get(0).stream().allMatch(Double::isFinite), losses.get(0).toString());
        // bit-identical: one PyTorch thread, seeded initial weights, masking and order
        assertEquals(losses.get(0), losses.get(1));
        assertEquals(losses.get(0), losses.get(2));
    }

    @Test
    void pretrainingLearnsToFillMasksFarAboveTheFrequencyBaseline() throws Exception {
        Path model = PretrainedText.modelDir();
        RunResult result = PretrainedText.result();
        FakeRunContext ctx = PretrainedText.context();
        System.out.printf("text pre-training: %s in %.1f s%n%s%n", result.finalMetrics(), PretrainedText.seconds(),
                String.join("\n", ctx.logs()));

        Map<String, Double> metrics = result.finalMetrics();
        double accuracy = metrics.get("test_masked_accuracy");
        String summary = ctx.logs().get(ctx.logs().size() - 1);
        double majority = Double.parseDouble(summary.replaceAll(".*most common token: ([0-9.]+)\\).*", "$1"));
        assertTrue(accuracy > majority + 0.2, "masked accuracy " + accuracy + " vs always-the-most-common " + majority);
        List<Double> loss = ctx.values("val_mlm_loss");
        assertEquals(PretrainedText.EPOCHS, loss.size());
        assertTrue(loss.get(loss.size() - 1) < loss.get(0), "validation loss " + loss);

        for (String file : List.of("config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json")) {
            assertTrue(Files.isRegularFile(model.resolve(file)), file);
        }
        TextEncoderConfig config = TextEncoderConfig.read(model.resolve("config.json"));
        assertEquals(64, config.hiddenSize());
        assertTrue(config.labels().isEmpty());
        try (TextTokenizer tokenizer = TextTokenizer.load(model, 64)) {
            assertEquals(config.vocabSize(), tokenizer.vocabSize());
            long[] ids = tokenizer.encode(List.of("The STRIKER scores!")).clone()[0];
            // [CLS] the striker scores ! [SEP]: lowercased, punctuation split off, "!" unseen in the corpus
            assertEquals(6, ids.length);
            assertEquals(2, ids[0]);
            assertEquals(3, ids[5]);
            assertEquals(1, ids[4]);
        }
    }
}
