package io.modelhub.runners.recipes.crossmodal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.runners.recipes.RunResult;
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
