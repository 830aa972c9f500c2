package io.modelhub.runners.recipes.audio.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.audio.AudioClassificationRecipe;
import io.modelhub.runners.recipes.eval.EvaluateRecipe;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.SpokenDigitsBuilder;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * audio-classification on a wav2vec2 base model: spoken digits synthesised by espeak-ng (6 voices x 2 speeds x 2
 * pitches per digit, 3 settings per digit held out for test), a tiny seeded wav2vec2 fine-tuned through the recipe
 * (FakeRunContext), scored before and after, then scored again by evaluate.
 * <p>
 * No pretrained wav2vec2 is reachable here, so the encoder is random and trains with the head (the feature encoder
 * too), and the tiny config sets initializer_range 0.1: with transformers' 0.02 a head on a random encoder passes
 * back too little gradient, and torchaudio's model with the same head stalls at chance just the same (measured).
 */
class Wav2Vec2ClassificationRecipeTest {

    @TempDir
    Path tmp;

    @Test
    void fineTuningOnSpokenDigitsBeatsTheUntrainedHead() throws Exception {
        long started = System.nanoTime();
        Path digits = SpokenDigitsBuilder.in(tmp.resolve("digits")).holdOut(3, 2).seed(5).build();
        double synthSeconds = (System.nanoTime() - started) / 1e9;
        Path base = TinyWav2Vec2.write(tmp.resolve("base"), "wav2vec2", 11);
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(base).dataset(digits)
                .param("epochs", 10).param("batch_size", 8).param("learning_rate", 3e-3)
                .param("freeze_feature_encoder", false).param("max_duration_s", 1.5).build();

        started = System.nanoTime();
        RunResult result = new AudioClassificationRecipe().run(ctx);
        System.out.printf("wav2vec2 spoken digits: %s in %.1f s (synthesis %.1f s)%n", result.finalMetrics(),
                (System.nanoTime() - started) / 1e9, synthSeconds);
        assertTrue(result.completed(), ctx.logs().toString());
        ctx.logs().stream().filter(line -> line.startsWith("Epoch")).forEach(System.out::println);
        Map<String, Double> metrics = result.finalMetrics();
        double baseline = metrics.get("base_test_accuracy");
        double tuned = metrics.get("test_accuracy");
        assertTrue(tuned >= baseline + 0.4, "fine-tuned " + tuned + " vs untrained head " + baseline + "\n"
                + ctx.logs());

        var saved = Safetensors.read(ctx.outputDir().resolve(Wav2Vec2Model.WEIGHTS_FILE));
        assertEquals(10, saved.get("classifier.weight").shape()[0]);
        assertTrue(saved.containsKey("wav2vec2.encoder.pos_conv_embed.conv.weight_g"));
        Wav2Vec2Config config = Wav2Vec2Config.read(ctx.outputDir().resolve("config.json"));
        assertEquals(java.util.List.of("Wav2Vec2ForSequenceClassification"), config.architectures());
        assertEquals(SpokenDigitsBuilder.DIGITS.stream().sorted().toList(), config.labels());

        FakeRunContext eval = FakeRunContext.builder(tmp.resolve("eval")).baseModel(ctx.outputDir()).dataset(digits)
                .build();
        RunResult scored = new EvaluateRecipe().run(eval);
        assertEquals(tuned, scored.finalMetrics().get("score"), 1e-9, "evaluate scores the test split as training did");
        assertEquals("wav2vec2", scored.details().get("model_type"));
    }
}
