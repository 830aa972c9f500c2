package io.modelhub.runners.recipes.text;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.testing.FakeRunContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TextPretrainingRecipeTest {

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
