package io.modelhub.runners.recipes.crossmodal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.eval.EvaluationRequest;
import io.modelhub.runners.recipes.eval.ModelEvaluation;
import io.modelhub.runners.recipes.text.TextPretrainingRecipe;
import io.modelhub.runners.recipes.vision.ImagePretrainingRecipe;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.PairedDatasetBuilder;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.runners.serving.BadInput;
import io.modelhub.runners.serving.ServedModel;
import io.modelhub.runners.serving.ServedModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Acceptance: a small modelhub-text encoder and a small modelhub-cnn, each pre-trained by its own recipe, are
 * aligned on captioned shapes ("a large red circle"; 24 distinct captions) and retrieve the held-out pairs' partners
 * far above chance in both directions.
 */
class CrossModalAlignmentRecipeTest {

    @TempDir
    Path tmp;

    @Test
    void alignsATextAndAnImageEncoderFarAboveChanceBothWays() throws Exception {
        Path pairs = PairedDatasetBuilder.in(tmp.resolve("data")).pairs(240).seed(7).build();
        Path cnn = pretrain(new ImagePretrainingRecipe().run(FakeRunContext.builder(tmp.resolve("cnn"))
                .dataset(tmp.resolve("data/images")).param("epochs", 2).param("seed", 1).build()), tmp.resolve("cnn"));
        Path text = pretrain(new TextPretrainingRecipe().run(FakeRunContext.builder(tmp.resolve("text"))
                .dataset(tmp.resolve("data/captions")).params(Map.of("epochs", 2, "seed", 1, "vocab_size", 64,
                        "max_length", 8, "hidden_size", 32, "num_layers", 1)).build()), tmp.resolve("text"));

        FakeRunContext ctx = context(tmp.resolve("run"), pairs, cnn, text);
        long started = System.nanoTime();
        RunResult result = new CrossModalAlignmentRecipe().run(ctx);
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(result.completed(), String.join("\n", ctx.logs()));
        Map<String, Double> m = result.finalMetrics();
        double chance = m.get("val_chance_recall@1");
        double textToImage = m.get("val_text_to_image_recall@1");
        double imageToText = m.get("val_image_to_text_recall@1");
        System.out.printf("cross-modal alignment: %d validation pairs, chance R@1 %.3f; text->image R@1 %.3f R@5 %.3f, "
                        + "image->text R@1 %.3f R@5 %.3f, mean ranks %.2f / %.2f, temperature %.4f; %.1f s%n",
                Math.round(1 / chance), chance, textToImage, m.get("val_text_to_image_recall@5"), imageToText,
                m.get("val_image_to_text_recall@5"), m.get("val_text_to_image_mean_rank"),
                m.get("val_image_to_text_mean_rank"), m.get("temperature"), seconds);
        assertTrue(textToImage >= 5 * chance, "text->image R@1 " + textToImage + " vs chance " + chance + "\n" + ctx.logs());
        assertTrue(imageToText >= 5 * chance, "image->text R@1 " + imageToText + " vs chance " + chance + "\n" + ctx.logs());
        // per-epoch validation metrics, and the loss went down
        List<Double> valLoss = ctx.values("val_loss");
        assertEquals(6, valLoss.size());
        assertTrue(valLoss.get(valLoss.size() - 1) < valLoss.get(0), "val_loss " + valLoss);
        assertEquals(6, ctx.values("val_image_to_text_mean_rank").size());
        assertEquals(6, ctx.checkpoints().size());

        // the output: a dual encoder with both towers, projections, tokenizer and the embedding index
        Path out = ctx.outputDir();
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("modelhub-dual-encoder", config.path("model_type").asText());
        assertEquals("text", config.path("tower_a").path("modality").asText());
        assertEquals("vision", config.path("tower_b").path("modality").asText());
        assertEquals("modelhub-cnn", config.path("tower_b").path("config").path("model_type").asText());
        assertEquals(32, config.path("projection_size").asInt());
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        Map<String, Safetensors.HostTensor> weights = Safetensors.read(out.resolve("model.safetensors"));
        assertTrue(weights.containsKey("tower_b.backbone.conv0.weight") && weights.containsKey("projection_a.weight")
                && weights.containsKey("logit_scale") && weights.keySet().stream().noneMatch(n -> n.contains("classifier")),
                weights.keySet().toString());
        Map<String, Safetensors.HostTensor> index = Safetensors.read(out.resolve("index/embeddings.safetensors"));
        assertEquals(240, index.get("a").shape()[0]);
        List<String> items = Files.readAllLines(out.resolve("index/items.jsonl"));
        assertEquals(240, items.size());

        // zero-shot: each image's colour is the label whose prompt ("a large red circle") embeds closest to it
        List<String> labels = List.of("red", "green", "blue", "yellow");
        assertEquals(4, Files.readAllLines(out.resolve("index/prompts.jsonl")).size());
        float[] prompts = index.get("prompts").data();
        float[] images = index.get("b").data();
        int right = 0;
        int heldOut = 0;
        for (int i = 0; i < items.size(); i++) {
            JsonNode item = new ObjectMapper().readTree(items.get(i));
            if (!item.path("split").asText().equals("validation")) {
                continue;
            }
            heldOut++;
            int best = 0;
            double bestScore = Double.NEGATIVE_INFINITY;
            for (int l = 0; l < labels.size(); l++) {
                double score = 0;
                for (int k = 0; k < 32; k++) {
                    score += prompts[l * 32 + k] * images[i * 32 + k];
                }
                if (score > bestScore) {
                    bestScore = score;
                    best = l;
                }
            }
            right += item.path("a").asText().contains(" " + labels.get(best) + " ") ? 1 : 0;
        }
        double zeroShot = (double) right / heldOut;
        System.out.printf("zero-shot colour accuracy over %d held-out images: %.3f (chance 0.25)%n", heldOut, zeroShot);
        assertTrue(zeroShot > 0.6, "zero-shot colour accuracy " + zeroShot);

        // the written model reloads and embeds as it did at the end of training
        try (DualEncoder reloaded = DualEncoder.load(out, io.modelhub.runners.recipes.Torch.preferredDevice())) {
            float[] z = reloaded.embed(true, List.of(PairedDatasetBuilder.caption("circle", "red", "large")), 8);
            assertEquals(32, z.length);
        }

        servesZeroShotImageClassificationAndTextEmbeddings(out, pairs, items, index, labels, zeroShot);

        // the leaderboard evaluator scores the committed model the same way (same seed, same held-out pairs)
        DualEncoderEvaluator evaluator = new DualEncoderEvaluator();
        ModelEvaluation evaluation = evaluator.evaluate(new EvaluationRequest(out, pairs, "validation", 5, 32, line -> { }));
        assertEquals(textToImage, evaluation.scores().get("text_to_image_recall@1"), 1e-9);
        assertEquals(imageToText, evaluation.scores().get("b_to_a_recall@1"), 1e-9);
        assertEquals(36, evaluation.examples());
        assertTrue(evaluator.metrics().containsAll(evaluation.scores().keySet()), evaluation.scores().keySet().toString());

        // resuming from the last checkpoint with more epochs continues from its step count
        RunContextCheck.resumes(ctx, tmp.resolve("resume"), pairs, cnn, text);
    }

    @Test
    void towersThatFitNeitherSideAreRefused() throws Exception {
        Path pairs = PairedDatasetBuilder.in(tmp.resolve("data")).pairs(30).seed(3).build();
        Path cnn = pretrain(new ImagePretrainingRecipe().run(FakeRunContext.builder(tmp.resolve("cnn"))
                .dataset(tmp.resolve("data/images")).param("epochs", 1).build()), tmp.resolve("cnn"));
        FakeRunContext ctx = context(tmp.resolve("run"), pairs, cnn, cnn);
        Exception e = assertThrows(RuntimeException.class, () -> new CrossModalAlignmentRecipe().run(ctx));
        assertTrue(e.getMessage().contains("pairs text (text) with vision (file_name), but the towers encode vision and vision"),
                e.getMessage());
    }

    /**
     * The runner's inference path on the written model: zero-shot-image-classification of an image's bytes gives the
     * softmax of scale x cosine between the image and the labels put into the template, computed here from the
     * embeddings the run indexed (image rows, and the prompts "a large {label} circle" it embedded); feature-extraction
     * of a caption gives its indexed row.
     */
    private static void servesZeroShotImageClassificationAndTextEmbeddings(Path out, Path pairs, List<String> items,
            Map<String, Safetensors.HostTensor> index, List<String> labels, double indexAccuracy) throws Exception {
        float[] prompts = index.get("prompts").data();
        float[] images = index.get("b").data();
        float[] texts = index.get("a").data();
        double scale = Math.exp(new ObjectMapper().readTree(out.resolve("config.json").toFile()).path("logit_scale").asDouble());
        int d = 32;
        Map<String, Object> parameters = Map.of("candidate_labels", labels, "hypothesis_template", "a large {} circle");
        try (ServedModel served = ServedModels.load(out)) {
            assertEquals("zero-shot-image-classification", served.task());
            int right = 0;
            int heldOut = 0;
            double maxDiff = 0;
            for (int i = 0; i < items.size(); i++) {
                JsonNode item = new ObjectMapper().readTree(items.get(i));
                if (!item.path("split").asText().equals("validation")) {
                    continue;
                }
                heldOut++;
                byte[] png = Files.readAllBytes(pairs.resolve(item.path("b").asText()));
                List<?> answer = (List<?>) served.run(new Work("r", "ns/clip", "c0ffee", null, null, parameters, png, List.of()));
                double[] expected = new double[labels.size()];
                double sum = 0;
                for (int l = 0; l < labels.size(); l++) {
                    double dot = 0;
                    for (int k = 0; k < d; k++) {
                        dot += prompts[l * d + k] * images[i * d + k];
                    }
                    expected[l] = Math.exp(scale * dot);
                    sum += expected[l];
                }
                assertEquals(labels.size(), answer.size(), answer.toString());
                double previous = 1;
                for (Object o : answer) {
                    Map<?, ?> entry = (Map<?, ?>) o;
                    double score = ((Number) entry.get("score")).doubleValue();
                    maxDiff = Math.max(maxDiff, Math.abs(score - expected[labels.indexOf((String) entry.get("label"))] / sum));
                    assertTrue(score <= previous, "best first: " + answer);
                    previous = score;
                }
                String best = (String) ((Map<?, ?>) answer.get(0)).get("label");
                right += item.path("a").asText().contains(" " + best + " ") ? 1 : 0;
            }
            System.out.printf("served zero-shot over %d held-out images: accuracy %.3f, max |score - index's| %.2e%n",
                    heldOut, (double) right / heldOut, maxDiff);
            assertTrue(maxDiff < 1e-4, "served scores vs the index's: " + maxDiff);
            // the same argmax as the index's, up to a near tie flipped by float rounding
            assertEquals(indexAccuracy, (double) right / heldOut, 1.0 / heldOut + 1e-9);

            // a batch: the images in one pass of the vision tower, the prompts in one of the text tower, each request
            // answered as alone; one that does not fit fails alone
            List<Work> batch = new java.util.ArrayList<>();
            for (int i = 0; i < items.size() && batch.size() < 6; i++) {
                byte[] png = Files.readAllBytes(pairs.resolve(new ObjectMapper().readTree(items.get(i)).path("b").asText()));
                batch.add(new Work("r", "ns/clip", "c0ffee", null, null, batch.size() % 2 == 0 ? parameters
                        : Map.of("candidate_labels", List.of("red", "blue")), png, List.of()));
            }
            batch.add(2, new Work("r", "ns/clip", "c0ffee", null, null, parameters, "not an image".getBytes(), List.of()));
            List<ServedModel.Answer> answers = served.runBatch(batch);
            double batchDiff = 0;
            for (int w = 0; w < batch.size(); w++) {
                if (w == 2) {
                    assertTrue(answers.get(w).error() instanceof BadInput, String.valueOf(answers.get(w)));
                    continue;
                }
                List<?> alone = (List<?>) served.run(batch.get(w));
                List<?> inBatch = (List<?>) answers.get(w).output();
                assertEquals(alone.size(), inBatch.size());
                for (int l = 0; l < alone.size(); l++) {
                    assertEquals(((Map<?, ?>) alone.get(l)).get("label"), ((Map<?, ?>) inBatch.get(l)).get("label"));
                    batchDiff = Math.max(batchDiff, Math.abs(((Number) ((Map<?, ?>) alone.get(l)).get("score")).doubleValue()
                            - ((Number) ((Map<?, ?>) inBatch.get(l)).get("score")).doubleValue()));
                }
            }
            System.out.printf("served zero-shot, a batch of %d requests vs alone: max abs diff %.2e%n", batch.size(), batchDiff);
            assertTrue(batchDiff <= 1e-5, "batch vs alone: " + batchDiff);

            // base64 JSON with top_k, as InferenceClient sends an image with parameters
            String firstImage = new ObjectMapper().readTree(items.get(0)).path("b").asText();
            String base64 = java.util.Base64.getEncoder().encodeToString(Files.readAllBytes(pairs.resolve(firstImage)));
            Map<String, Object> top1 = Map.of("candidate_labels", "red, green, blue, yellow", "top_k", 1);
            assertEquals(1, ((List<?>) served.run(new Work("r", "ns/clip", "c0ffee", "zero-shot-image-classification",
                    base64, top1, null, List.of()))).size());

            // a text's embedding in the shared space, for the hub's search: the row the run indexed
            String caption = new ObjectMapper().readTree(items.get(0)).path("a").asText();
            float[] one = (float[]) served.run(new Work("r", "ns/clip", "c0ffee", "feature-extraction", caption, Map.of(), null, List.of()));
            org.junit.jupiter.api.Assertions.assertArrayEquals(java.util.Arrays.copyOfRange(texts, 0, d), one, 1e-5f);
            float[][] two = (float[][]) served.run(new Work("r", "ns/clip", "c0ffee", "feature-extraction",
                    List.of(caption, "a photo of a dog"), Map.of(), null, List.of()));
            org.junit.jupiter.api.Assertions.assertArrayEquals(one, two[0], 1e-5f);
            assertEquals(d, two[1].length);

            // what does not fit is named
            byte[] png = Files.readAllBytes(pairs.resolve(firstImage));
            for (Map.Entry<Work, String> bad : Map.of(
                    new Work("r", "ns/clip", "c0ffee", null, null, Map.of(), png, List.of()), "candidate_labels",
                    new Work("r", "ns/clip", "c0ffee", null, null, Map.of("candidate_labels", labels, "hypothesis_template", "a photo"),
                            png, List.of()), "{}",
                    new Work("r", "ns/clip", "c0ffee", null, null, parameters, "not an image".getBytes(), List.of()), "not an image",
                    new Work("r", "ns/clip", "c0ffee", null, List.of("a text"), parameters, null, List.of()), "reads an image",
                    new Work("r", "ns/clip", "c0ffee", "text-classification", "a text", Map.of(), null, List.of()),
                    "not text-classification").entrySet()) {
                BadInput e = assertThrows(BadInput.class, () -> served.run(bad.getKey()));
                assertTrue(e.getMessage().contains(bad.getValue()), e.getMessage());
            }
        }
    }

    static FakeRunContext context(Path root, Path pairs, Path towerA, Path towerB) {
        return FakeRunContext.builder(root).dataset(pairs).model("tower_a", towerA).model("tower_b", towerB)
                .params(Map.of("epochs", 6, "batch_size", 24, "projection_size", 32, "learning_rate", 0.003,
                        "train", "all", "temperature", 0.1, "seed", 5, "zero_shot_labels", "red, green, blue, yellow",
                        "zero_shot_prompt", "a large {label} circle"))
                .param("tower_a", "test/cnn@0000").param("tower_b", "test/text@0000").build();
    }

    private static Path pretrain(RunResult result, Path root) {
        assertTrue(result.completed());
        return root.resolve("output");
    }

    /** Resume: a run given the epoch-6 checkpoint and epochs 7 trains exactly one more epoch. */
    static final class RunContextCheck {
        static void resumes(FakeRunContext first, Path root, Path pairs, Path towerA, Path towerB) throws Exception {
            var last = first.checkpoints().get(first.checkpoints().size() - 1);
            FakeRunContext ctx = FakeRunContext.builder(root).dataset(pairs).model("tower_a", towerA).model("tower_b", towerB)
                    .params(first.params()).param("epochs", 7).resumeFrom(last).build();
            RunResult result = new CrossModalAlignmentRecipe().run(ctx);
            assertTrue(result.completed());
            assertEquals(1, ctx.values("val_loss").size());
            long stepsPerEpoch = first.steps() / 6;
            assertEquals(stepsPerEpoch, ctx.steps());
            assertTrue(ctx.metrics().get(0).step() > last.step(), "steps continue from the checkpoint's");
            assertTrue(Files.isRegularFile(ctx.outputDir().resolve("config.json")));
        }
    }
}
