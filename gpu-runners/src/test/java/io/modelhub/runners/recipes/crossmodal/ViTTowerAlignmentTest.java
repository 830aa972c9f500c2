package io.modelhub.runners.recipes.crossmodal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.data.PairedDataset;
import io.modelhub.runners.recipes.text.bert.BertConfig;
import io.modelhub.runners.recipes.text.bert.TinyBert;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.recipes.vision.vit.TinyViT;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.PairedDatasetBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * cross-modal-alignment takes a transformers ViT as its vision tower, with a BERT-family text tower: a small random
 * ViTModel (with a pooler) and a small random BERT whose tokenizer knows the captions' words, both trained end to
 * end on captioned shapes, must retrieve better than the same dual encoder before training, and the output must
 * reload from its own folder.
 */
class ViTTowerAlignmentTest {

    private static final long SEED = 5;

    @TempDir
    Path tmp;

    /**
     * The tower's feature is the pooler output of a ViTModel with a pooler and the CLS token of a
     * ViTForImageClassification's encoder (read from under "vit."), on images preprocessed as ViTModel does.
     */
    @Test
    void theFeatureIsThePoolerOrTheClsToken() throws Exception {
        Path pairs = PairedDatasetBuilder.in(tmp.resolve("data")).pairs(3).seed(2).build();
        List<String> images = List.of("0000.png", "0001.png", "0002.png").stream()
                .map(f -> pairs.resolve("train").resolve(f).toString()).toList();
        Path base = TinyViT.writeBase(tmp.resolve("base"));
        Path classifier = tmp.resolve("classifier");
        com.fasterxml.jackson.databind.node.ObjectNode config = TinyViT.config(List.of("x", "y"));
        TinyViT.write(classifier, config, TinyViT.preprocessor(), TinyViT.weights(config, false, 9));
        for (Path dir : List.of(base, classifier)) {
            boolean pooler = dir.equals(base);
            Map<String, Safetensors.HostTensor> file = Safetensors.read(dir.resolve("model.safetensors"));
            try (Tower tower = Towers.of(dir);
                    ai.djl.Model model = ai.djl.Model.newInstance("tower", Device.cpu(),
                            io.modelhub.runners.recipes.Torch.ENGINE);
                    io.modelhub.runners.recipes.vision.vit.ViTModel reference =
                            io.modelhub.runners.recipes.vision.vit.ViTModel.loadEncoder(dir, Device.cpu())) {
                assertEquals("vision", Towers.modality(dir));
                assertEquals(pooler ? "pooler" : "cls", tower.config().path(ViTTower.POOLING_FIELD).asText());
                tower.namedParameters().forEach((name, parameter) -> parameter.setInitializer(
                        io.modelhub.runners.recipes.vision.CnnInitializers.loaded(name, tower.tensor(file, name))));
                model.setBlock(tower.block());
                tower.block().initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32,
                        tower.inputShapes());
                try (ai.djl.ndarray.NDManager batch = model.getNDManager().newSubManager()) {
                    float[] features = tower.block().forward(new ai.djl.training.ParameterStore(batch, false),
                            tower.inputs(batch, images), false).singletonOrThrow().toFloatArray();
                    List<byte[]> rgb = images.stream().map(f -> io.modelhub.runners.recipes.data.DecodedImages
                            .decode(Path.of(f), 32)).toList();
                    ai.djl.ndarray.NDList out = reference.forward(new ai.djl.ndarray.NDList(
                            reference.pixelValues(batch, rgb)));
                    assertEquals(pooler ? 2 : 1, out.size());
                    float[] expected = (pooler ? out.get(1) : out.get(0).get(":, 0, :")).toFloatArray();
                    assertEquals(expected.length, features.length);
                    for (int i = 0; i < expected.length; i++) {
                        assertEquals(expected[i], features[i], 1e-6f, dir.getFileName() + " feature " + i);
                    }
                }
            }
        }
    }

    @Test
    void aViTAndATinyBertAlignBeyondTheirUntrainedBaseline() throws Exception {
        Path pairs = PairedDatasetBuilder.in(tmp.resolve("data")).pairs(160).seed(7).build();
        Path vit = TinyViT.writeBase(tmp.resolve("vit"));
        List<String> captions = new ArrayList<>();
        for (String shape : PairedDatasetBuilder.SHAPES) {
            for (String colour : PairedDatasetBuilder.COLOURS.keySet()) {
                for (String size : PairedDatasetBuilder.SIZES) {
                    captions.add(PairedDatasetBuilder.caption(shape, colour, size));
                }
            }
        }
        Path bert = TinyBert.write(tmp.resolve("bert"), BertConfig.Family.BERT, captions);

        // the untrained baseline: the dual encoder the run starts from, scored on the split the run reports
        PairedDataset data = PairedDataset.open(pairs, SEED);
        assertEquals(PairedDataset.Kind.TEXT, data.kindA());
        List<PairedDataset.Pair> heldOut = data.test().isEmpty() ? data.validation() : data.test();
        String prefix = data.test().isEmpty() ? "val_" : "test_";
        CrossModalAlignmentRecipe.Evaluation baseline;
        try (DualEncoder untrained = DualEncoder.create(bert, new DualEncoder.Side("test/bert@0", data.columnA()), vit,
                new DualEncoder.Side("test/vit@0", data.columnB()), 16, 0.07, SEED, Device.cpu())) {
            baseline = CrossModalAlignmentRecipe.evaluate(untrained, heldOut, 64);
        }

        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).dataset(pairs)
                .model("tower_a", vit).model("tower_b", bert)
                .params(Map.of("epochs", 8, "batch_size", 16, "projection_size", 16, "learning_rate", 0.003,
                        "seed", (int) SEED, "train", "all"))
                .param("tower_a", "test/vit@0").param("tower_b", "test/bert@0").build();
        long started = System.nanoTime();
        RunResult result = new CrossModalAlignmentRecipe().run(ctx);
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(result.completed(), String.join("\n", ctx.logs()));
        assertTrue(ctx.logs().stream().anyMatch(l -> l.contains("ViT (2 layers, hidden 64, 4 heads, patch 8 at 32 px), "
                + "pooler output features")), ctx.logs().toString());
        Map<String, Double> m = result.finalMetrics();
        double trainedRank = (m.get(prefix + "text_to_image_mean_rank") + m.get(prefix + "image_to_text_mean_rank")) / 2;
        double baselineRank = (baseline.metrics().aToBMeanRank() + baseline.metrics().bToAMeanRank()) / 2;
        double trainedR1 = (m.get(prefix + "text_to_image_recall@1") + m.get(prefix + "image_to_text_recall@1")) / 2;
        double baselineR1 = (baseline.metrics().aToBRecall()[0] + baseline.metrics().bToARecall()[0]) / 2;
        System.out.printf("ViTTowerAlignmentTest: %d held-out pairs; mean rank %.2f -> %.2f, R@1 %.3f -> %.3f "
                        + "(chance %.3f), loss %.3f -> %.3f; %.1f s%n", heldOut.size(), baselineRank, trainedRank,
                baselineR1, trainedR1, m.get(prefix + "chance_recall@1"), baseline.loss(), m.get(prefix + "loss"),
                seconds);
        assertTrue(trainedRank < 0.5 * baselineRank, "mean rank " + trainedRank + " vs untrained " + baselineRank
                + "\n" + String.join("\n", ctx.logs()));
        assertTrue(trainedR1 > baselineR1 + 0.1, "R@1 " + trainedR1 + " vs untrained " + baselineR1);
        assertTrue(m.get(prefix + "loss") < baseline.loss(), "loss " + m.get(prefix + "loss") + " vs " + baseline.loss());

        Path out = ctx.outputDir();
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        JsonNode vision = config.path("tower_b");
        assertEquals("vision", vision.path("modality").asText());
        assertEquals("vit", vision.path("config").path("model_type").asText());
        assertEquals("pooler", vision.path("config").path("tower_pooling").asText());
        assertEquals(32, vision.path("config").path("image_processor").path("size").path("height").asInt());
        Map<String, Safetensors.HostTensor> weights = Safetensors.read(out.resolve("model.safetensors"));
        assertTrue(weights.containsKey("tower_b.encoder.layer.1.attention.attention.query.weight"),
                weights.keySet().toString());
        assertTrue(weights.containsKey("tower_b.pooler.dense.weight"));
        String image = heldOut.get(0).b();
        float[] before;
        try (DualEncoder trained = DualEncoder.load(out, Device.cpu())) {
            before = trained.embed(false, List.of(image), 8);
            assertEquals(16, before.length);
        }
        // the folder alone rebuilds it: the ViT's preprocessing and pooling come from the embedded config
        Path moved = Files.move(out, tmp.resolve("moved"));
        try (DualEncoder reloaded = DualEncoder.load(moved, Device.cpu())) {
            float[] again = reloaded.embed(false, List.of(image), 8);
            assertEquals(before.length, again.length);
            for (int i = 0; i < again.length; i++) {
                assertEquals(before[i], again[i], 1e-6f);
            }
        }
    }
}
