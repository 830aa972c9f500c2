package io.modelhub.runners.recipes.text;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.data.TextDataset;
import io.modelhub.runners.recipes.encoders.TorchScriptEncoder;
import io.modelhub.runners.recipes.vision.ClassificationMetrics;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.TextDatasetBuilder;
import io.modelhub.runners.testing.TextDatasetBuilder.Topic;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchScriptFineTuningTest {

    @TempDir
    static Path shared;
    static Path data;

    @TempDir
    Path tmp;

    @BeforeAll
    static void dataset() {
        data = TextDatasetBuilder.in(shared.resolve("topics")).topics(Topic.SPORT, Topic.FOOD, Topic.TECH, Topic.MUSIC)
                .split("train", 40).split("validation", 10).split("test", 30).seed(17).build();
    }

    @Test
    void fixtureTokenizerCoversTheTestCorpus() throws Exception {
        JsonNode vocab = new ObjectMapper().readTree(TorchScriptFixture.copyTo(tmp.resolve("m"))
                .resolve("tokenizer.json").toFile()).path("model").path("vocab");
        for (String word : TextDatasetBuilder.vocabulary()) {
            assertTrue(vocab.has(word), "make_torchscript_fixture.py's WORDS lack \"" + word + "\"");
        }
    }

    @Test
    void fineTunedTorchScriptEncoderBeatsItsBaseAndRoundTrips() throws Exception {
        Path base = TorchScriptFixture.copyTo(tmp.resolve("base"));
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(base).dataset(data)
                .param("epochs", 4).param("learning_rate", 1e-2).param("batch_size", 16).build();

        long started = System.nanoTime();
        RunResult result = new TextClassificationRecipe().run(ctx);
        System.out.printf("TorchScript fine-tuning: %s in %.1f s%n", result.finalMetrics(),
                (System.nanoTime() - started) / 1e9);

        assertTrue(result.completed(), ctx.logs().toString());
        double baseAccuracy = result.finalMetrics().get("base_test_accuracy");
        double tuned = result.finalMetrics().get("test_accuracy");
        assertTrue(tuned > baseAccuracy + 0.3, "fine-tuned " + tuned + " vs base " + baseAccuracy);
        assertTrue(tuned >= 0.8, "fine-tuned test accuracy " + tuned);

        Path out = ctx.outputDir();
        // manual check that plain PyTorch reads the written model.pt (not in CI: needs python3-torch):
        //   MODELHUB_KEEP_TORCHSCRIPT_OUTPUT=/tmp/ts ./mvnw ... -Dtest=TorchScriptFineTuningTest
        //   /usr/bin/python3 gpu-runners/src/test/scripts/make_torchscript_fixture.py --verify /tmp/ts
        String keep = System.getenv("MODELHUB_KEEP_TORCHSCRIPT_OUTPUT");
        if (keep != null) {
            TextTokenizer.copy(out, Path.of(keep));
            Files.copy(out.resolve("model.pt"), Path.of(keep).resolve("model.pt"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            Files.copy(out.resolve("config.json"), Path.of(keep).resolve("config.json"),
                    java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        for (String file : List.of("model.pt", "model.safetensors", "config.json", "tokenizer.json")) {
            assertTrue(Files.isRegularFile(out.resolve(file)), file);
        }
        JsonNode config = new ObjectMapper().readTree(out.resolve("config.json").toFile());
        assertEquals("torchscript", config.path("model_type").asText());
        assertEquals("text", config.path("modality").asText());
        assertEquals("sport", config.path("id2label").path("2").asText());
        assertEquals(0, config.path("label2id").path("food").asInt());

        // the written model.pt loads in DJL again, and its weights plus the head are exactly model.safetensors
        try (NDManager manager = Torch.engine().newBaseManager(Device.cpu());
                InputStream in = Files.newInputStream(out.resolve("model.safetensors"));
                TextClassifierModel reloaded = TextClassifierModel.load(out, Device.cpu());
                TorchScriptEncoder original = TorchScriptEncoder.load(base, Device.cpu())) {
            Map<String, NDArray> saved = new HashMap<>();
            for (NDArray array : NDList.decode(manager, in)) {
                saved.put(array.getName(), array);
            }
            assertEquals(Map.of("embed.weight", 1, "proj.weight", 1, "proj.bias", 1, "classifier.weight", 1,
                    "classifier.bias", 1).keySet(), saved.keySet());
            assertEquals(saved.keySet(), reloaded.namedParameters().keySet());
            reloaded.namedParameters().forEach((name, parameter) -> assertArrayEquals(
                    saved.get(name).toFloatArray(), parameter.getArray().toFloatArray(), 0f, name));
            // fine-tuning changed the encoder itself, not only the head
            assertFalse(java.util.Arrays.equals(original.namedParameters().get("embed.weight").getArray()
                    .toFloatArray(), saved.get("embed.weight").toFloatArray()));

            ClassificationMetrics again = reloaded.evaluate(TextDataset.open(data, 42, true).test());
            assertEquals(tuned, again.accuracy(), 1e-9);
        }
    }

    @Test
    void aFrozenEncoderStaysExactlyAsExported() throws Exception {
        Path base = TorchScriptFixture.copyTo(tmp.resolve("frozen-base"));
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("frozen")).baseModel(base).dataset(data)
                .param("epochs", 1).param("learning_rate", 1e-2).param("batch_size", 16).param("freeze_backbone", true).build();
        assertTrue(new TextClassificationRecipe().run(ctx).completed(), ctx.logs().toString());
        try (TorchScriptEncoder original = TorchScriptEncoder.load(base, Device.cpu());
                TextClassifierModel tuned = TextClassifierModel.load(ctx.outputDir(), Device.cpu())) {
            original.namedParameters().forEach((name, parameter) -> assertArrayEquals(parameter.getArray().toFloatArray(),
                    tuned.namedParameters().get(name).getArray().toFloatArray(), 0f, name + " stays as exported"));
        }
    }

    @Test
    void aTorchScriptEncoderForAnotherModalityIsRefused() throws Exception {
        Path base = TorchScriptFixture.copyTo(tmp.resolve("audio"));
        Files.writeString(base.resolve("config.json"),
                "{\"model_type\": \"torchscript\", \"modality\": \"audio\", \"hidden_size\": 32}");
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(base).dataset(data).build();
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> new TextClassificationRecipe().run(ctx));
        assertTrue(e.getMessage().contains("for audio inputs"), e.getMessage());
    }
}
