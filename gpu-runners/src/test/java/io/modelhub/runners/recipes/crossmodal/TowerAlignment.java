package io.modelhub.runners.recipes.crossmodal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.data.PairedDataset;
import io.modelhub.runners.recipes.eval.EvaluationRequest;
import io.modelhub.runners.recipes.eval.ModelEvaluation;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.testing.FakeRunContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The end-to-end check the tower tests share: the untrained dual encoder of a text tower and a media tower scored
 * on the split the run reports, a cross-modal-alignment run, the trained model beating that baseline (mean rank
 * halved, R@1 up by 0.1, lower loss), the leaderboard evaluator scoring the output as the run did, the embedding
 * index holding the trained model's embeddings, and the output reloading from its folder alone (moved elsewhere)
 * with the same embeddings.
 */
final class TowerAlignment {
    static final long SEED = 5;

    private TowerAlignment() {
    }

    /**
     * @param textToMedia / mediaToText the metric names of the two directions ("text_to_image", ...)
     * @param describes what the run's log must say of the media tower
     * @return the output folder, moved
     */
    static Path run(Path tmp, Path pairs, Path media, Path text, Map<String, Object> params, String textToMedia,
            String mediaToText, String test, String describes) throws Exception {
        PairedDataset data = PairedDataset.open(pairs, SEED);
        assertEquals(PairedDataset.Kind.TEXT, data.kindA());
        List<PairedDataset.Pair> heldOut = data.test().isEmpty() ? data.validation() : data.test();
        String prefix = data.test().isEmpty() ? "val_" : "test_";
        CrossModalAlignmentRecipe.Evaluation baseline;
        int projection = ((Number) params.get("projection_size")).intValue();
        try (DualEncoder untrained = DualEncoder.create(text, new DualEncoder.Side("test/text@0", data.columnA()),
                media, new DualEncoder.Side("test/media@0", data.columnB()), projection, 0.07, SEED, Device.cpu())) {
            baseline = CrossModalAlignmentRecipe.evaluate(untrained, heldOut, 64);
        }

        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).dataset(pairs)
                .model("tower_a", media).model("tower_b", text).params(params)
                .param("tower_a", "test/media@0").param("tower_b", "test/text@0").build();
        long started = System.nanoTime();
        RunResult result = new CrossModalAlignmentRecipe().run(ctx);
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(result.completed(), String.join("\n", ctx.logs()));
        assertTrue(ctx.logs().stream().anyMatch(l -> l.contains(describes)), ctx.logs().toString());
        Map<String, Double> m = result.finalMetrics();
        double trainedRank = (m.get(prefix + textToMedia + "_mean_rank") + m.get(prefix + mediaToText + "_mean_rank")) / 2;
        double baselineRank = (baseline.metrics().aToBMeanRank() + baseline.metrics().bToAMeanRank()) / 2;
        double trainedR1 = (m.get(prefix + textToMedia + "_recall@1") + m.get(prefix + mediaToText + "_recall@1")) / 2;
        double baselineR1 = (baseline.metrics().aToBRecall()[0] + baseline.metrics().bToARecall()[0]) / 2;
        System.out.printf("%s: %d held-out pairs; mean rank %.2f -> %.2f, R@1 %.3f -> %.3f (chance %.3f), "
                        + "loss %.3f -> %.3f; %.1f s%n", test, heldOut.size(), baselineRank, trainedRank, baselineR1,
                trainedR1, m.get(prefix + "chance_recall@1"), baseline.loss(), m.get(prefix + "loss"), seconds);
        String logs = "\n" + String.join("\n", ctx.logs());
        assertTrue(trainedRank < 0.5 * baselineRank, "mean rank " + trainedRank + " vs untrained " + baselineRank + logs);
        assertTrue(trainedR1 > baselineR1 + 0.1, "R@1 " + trainedR1 + " vs untrained " + baselineR1 + logs);
        assertTrue(m.get(prefix + "loss") < baseline.loss(), "loss " + m.get(prefix + "loss") + " vs " + baseline.loss());

        Path out = ctx.outputDir();
        String item = heldOut.get(0).b();
        float[] before;
        try (DualEncoder trained = DualEncoder.load(out, Device.cpu())) {
            before = trained.embed(false, List.of(item), 8);
            assertEquals(projection, before.length);
        }
        // the leaderboard evaluator scores the written model as the run did (same seed, same held-out pairs)
        if (data.test().isEmpty()) {
            ModelEvaluation evaluation = new DualEncoderEvaluator().evaluate(
                    new EvaluationRequest(out, pairs, "validation", SEED, 32, line -> { }));
            assertEquals(m.get(prefix + textToMedia + "_recall@1"), evaluation.scores().get(textToMedia + "_recall@1"),
                    1e-9);
            assertEquals(m.get(prefix + mediaToText + "_mean_rank"), evaluation.scores().get(mediaToText + "_mean_rank"),
                    1e-9);
        }
        // the embedding index holds every pair (train, validation, test), embedded in batches by the trained model
        Map<String, Safetensors.HostTensor> index = Safetensors.read(out.resolve("index/embeddings.safetensors"));
        int pairCount = data.train().size() + data.validation().size() + data.test().size();
        assertEquals(pairCount, index.get("b").shape()[0]);
        int row = data.train().size() + (data.test().isEmpty() ? 0 : data.validation().size());
        float[] indexed = java.util.Arrays.copyOfRange(index.get("b").data(), row * projection, (row + 1) * projection);
        for (int i = 0; i < projection; i++) {
            assertEquals(before[i], indexed[i], 1e-5f, "the index's row of " + item);
        }
        // the folder alone rebuilds it: the tower's preprocessing comes from the embedded config
        Path moved = Files.move(out, tmp.resolve("moved"));
        try (DualEncoder reloaded = DualEncoder.load(moved, Device.cpu())) {
            float[] again = reloaded.embed(false, List.of(item), 8);
            assertEquals(before.length, again.length);
            for (int i = 0; i < again.length; i++) {
                assertEquals(before[i], again[i], 1e-6f);
            }
        }
        return moved;
    }
}
