package io.modelhub.runners.recipes.crossmodal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.text.bert.BertModel;
import io.modelhub.runners.recipes.vision.ImagePretrainingRecipe;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.PairedDatasetBuilder;
import io.modelhub.storage.imports.OnnxBertImport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** cross-modal-alignment takes the real all-MiniLM-L6-v2 ("bert") as its text tower, mean-pooled. */
class BertTowerAlignmentTest {

    @TempDir
    Path tmp;

    /** The tower's features, L2-normalised, are MiniLM's sentence-transformers embeddings (mean pooling + Normalize). */
    @Test
    void theTowerPoolsAsSentenceTransformers() throws Exception {
        Path miniLm = Files.createDirectories(tmp.resolve("minilm"));
        OnnxBertImport.fromClasspath(miniLm);
        List<String> texts = List.of("A man is playing a guitar.", "ok", "The new movie is awesome!");
        Map<String, Safetensors.HostTensor> file = Safetensors.read(miniLm.resolve("model.safetensors"));
        try (Tower tower = Towers.of(miniLm); ai.djl.Model model = ai.djl.Model.newInstance("tower", ai.djl.Device.cpu(),
                        io.modelhub.runners.recipes.Torch.ENGINE);
                BertModel reference = BertModel.load(miniLm, ai.djl.Device.cpu())) {
            tower.namedParameters().forEach((name, parameter) -> parameter.setInitializer(
                    io.modelhub.runners.recipes.vision.CnnInitializers.loaded(name, tower.tensor(file, name))));
            model.setBlock(tower.block());
            tower.block().initialize(model.getNDManager(), ai.djl.ndarray.types.DataType.FLOAT32, tower.inputShapes());
            try (ai.djl.ndarray.NDManager batch = model.getNDManager().newSubManager()) {
                ai.djl.ndarray.NDArray features = tower.block().forward(new ai.djl.training.ParameterStore(batch, false),
                        tower.inputs(batch, texts), false).singletonOrThrow();
                ai.djl.ndarray.NDArray normalised = features.div(features.norm(new int[] {1}, true));
                float[] expected = flat(reference.embed(texts));
                float[] actual = normalised.toFloatArray();
                double worst = 0;
                for (int i = 0; i < expected.length; i++) {
                    worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
                }
                System.out.printf("BertTowerAlignmentTest: tower vs sentence-transformers embedding, max abs diff %.2e%n", worst);
                assertTrue(worst < 1e-5, "max abs diff " + worst);
            }
        }
    }

    private static float[] flat(float[][] rows) {
        float[] out = new float[rows.length * rows[0].length];
        for (int i = 0; i < rows.length; i++) {
            System.arraycopy(rows[i], 0, out, i * rows[0].length, rows[i].length);
        }
        return out;
    }

    @Test
    void miniLmIsATextTower() throws Exception {
        Path pairs = PairedDatasetBuilder.in(tmp.resolve("data")).pairs(48).seed(7).build();
        RunResult cnnRun = new ImagePretrainingRecipe().run(FakeRunContext.builder(tmp.resolve("cnn"))
                .dataset(tmp.resolve("data/images")).param("epochs", 1).param("seed", 1).build());
        assertTrue(cnnRun.completed());
        Path cnn = tmp.resolve("cnn/output");
        Path miniLm = Files.createDirectories(tmp.resolve("minilm"));
        OnnxBertImport.fromClasspath(miniLm);

        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).dataset(pairs)
                .model("tower_a", cnn).model("tower_b", miniLm)
                .params(Map.of("epochs", 1, "batch_size", 16, "projection_size", 16, "learning_rate", 0.003,
                        "seed", 5))
                .param("tower_a", "test/cnn@0000").param("tower_b", "test/minilm@0000").build();
        long started = System.nanoTime();
        RunResult result = new CrossModalAlignmentRecipe().run(ctx);
        System.out.printf("BertTowerAlignmentTest: %s in %.1f s%n%s%n", result.finalMetrics(),
                (System.nanoTime() - started) / 1e9, String.join("\n", ctx.logs()));
        assertTrue(result.completed(), String.join("\n", ctx.logs()));
        assertTrue(ctx.logs().stream().anyMatch(l -> l.contains("bert encoder (6 layers, hidden 384, mean-pooled)")),
                ctx.logs().toString());

        Path out = ctx.outputDir();
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("text", config.path("tower_a").path("modality").asText());
        assertEquals("bert", config.path("tower_a").path("config").path("model_type").asText());
        assertTrue(Files.isRegularFile(out.resolve("tokenizer.json")));
        Map<String, Safetensors.HostTensor> weights = Safetensors.read(out.resolve("model.safetensors"));
        assertTrue(weights.containsKey("tower_a.encoder.layer.5.output.dense.weight"), weights.keySet().toString());
        try (DualEncoder reloaded = DualEncoder.load(out, io.modelhub.runners.recipes.Torch.preferredDevice())) {
            float[] z = reloaded.embed(true, List.of(PairedDatasetBuilder.caption("circle", "red", "large")), 8);
            assertEquals(16, z.length);
        }
    }
}
