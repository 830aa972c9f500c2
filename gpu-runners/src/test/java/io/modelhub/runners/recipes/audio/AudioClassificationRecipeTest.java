package io.modelhub.runners.recipes.audio;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.testing.AudioFolderDatasetBuilder;
import io.modelhub.runners.testing.FakeRunContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AudioClassificationRecipeTest {

    @TempDir
    static Path shared;
    static Path newClasses;

    @TempDir
    Path tmp;

    @BeforeAll
    static void dataset() {
        // none of these classes was in pre-training (tones and noise bands): the head must learn new labels
        newClasses = AudioFolderDatasetBuilder.in(shared.resolve("new-classes"))
                .classes(SoundClass.chirp(400, 2_400), SoundClass.chirp(2_400, 400), SoundClass.pulses(800, 6),
                        SoundClass.harmonic(220))
                .split("train", 16).split("validation", 4).split("test", 10).seed(23).build();
    }

    @Test
    void fineTuningOnNewLabelsBeatsTheBaseModel() throws Exception {
        FakeRunContext ctx = FakeRunContext.builder(tmp).baseModel(PretrainedAudioModel.modelDir()).dataset(newClasses)
                .param("epochs", 4).param("batch_size", 16).param("learning_rate", 3e-3).build();

        long started = System.nanoTime();
        RunResult result = new AudioClassificationRecipe().run(ctx);
        System.out.printf("audio fine-tuning: %s in %.1f s (base model: %s)%n", result.finalMetrics(),
                (System.nanoTime() - started) / 1e9, PretrainedAudioModel.result().finalMetrics());

        assertTrue(result.completed(), ctx.logs().toString());
        Map<String, Double> metrics = result.finalMetrics();
        double base = metrics.get("base_test_accuracy");
        double tuned = metrics.get("test_accuracy");
        assertTrue(tuned > base + 0.3, "fine-tuned " + tuned + " vs base " + base);
        assertTrue(tuned >= 0.8, "fine-tuned test accuracy " + tuned);
        assertTrue(metrics.get("test_macro_f1") > metrics.get("base_test_macro_f1"), metrics.toString());
        assertEquals(0L, ctx.metrics().stream().filter(m -> m.name().equals("base_test_accuracy")).findFirst()
                .orElseThrow().step());
        assertEquals(4, ctx.values("val_accuracy").size());

        AudioConfig config = AudioConfig.read(ctx.outputDir().resolve(AudioClassifierModel.CONFIG_FILE));
        AudioConfig baseConfig = AudioConfig.read(PretrainedAudioModel.modelDir().resolve(AudioClassifierModel.CONFIG_FILE));
        assertEquals(List.of("chirp-2400-400", "chirp-400-2400", "harmonic-220", "pulses-800-6"), config.labels());
        assertEquals(baseConfig.features(), config.features());
        assertEquals(baseConfig.channels(), config.channels());
    }

    @Test
    void frozenBackboneStaysExactlyAsPretrained() throws Exception {
        FakeRunContext ctx = FakeRunContext.builder(tmp).baseModel(PretrainedAudioModel.modelDir()).dataset(newClasses)
                .param("epochs", 1).param("batch_size", 32).param("freeze_backbone", true).build();

        assertTrue(new AudioClassificationRecipe().run(ctx).completed());

        var base = Safetensors.read(PretrainedAudioModel.modelDir().resolve(AudioClassifierModel.WEIGHTS_FILE));
        var tuned = Safetensors.read(ctx.outputDir().resolve(AudioClassifierModel.WEIGHTS_FILE));
        assertEquals(base.keySet(), tuned.keySet());
        for (String name : base.keySet()) {
            if (name.startsWith("backbone.")) {
                assertArrayEquals(base.get(name).data(), tuned.get(name).data(), 0f, name);
            }
        }
        assertEquals(4, tuned.get("classifier.weight").shape()[0]);
        assertEquals(64, tuned.get("classifier.weight").shape()[1]);
    }

    @Test
    void resumeContinuesAtTheEpochAfterTheCheckpoint() throws Exception {
        // 64 train clips, batch 16: 4 steps per epoch; the first attempt stops right after epoch 1's checkpoint
        FakeRunContext first = FakeRunContext.builder(tmp.resolve("attempt-1")).baseModel(PretrainedAudioModel.modelDir())
                .dataset(newClasses).param("epochs", 3).param("batch_size", 16).cancelAfterCheckpoints(1).build();
        RunResult interrupted = new AudioClassificationRecipe().run(first);
        assertFalse(interrupted.completed());
        RunContext.Checkpoint checkpoint = first.checkpoints().get(0);
        assertEquals(1, checkpoint.epoch());
        assertEquals(4, checkpoint.step());

        FakeRunContext second = FakeRunContext.builder(tmp.resolve("attempt-2")).baseModel(PretrainedAudioModel.modelDir())
                .dataset(newClasses).param("epochs", 3).param("batch_size", 16).resumeFrom(checkpoint).build();
        RunResult resumed = new AudioClassificationRecipe().run(second);

        assertTrue(resumed.completed());
        assertTrue(second.logs().contains("Resuming from checkpoint at epoch 1, step 4"), second.logs().toString());
        assertEquals(List.of(2.0, 3.0), second.values("epoch"));
        assertEquals(8, second.steps());
        assertEquals(List.of(2, 3), second.checkpoints().stream().map(RunContext.Checkpoint::epoch).toList());
        assertTrue(Files.isRegularFile(second.outputDir().resolve(AudioClassifierModel.WEIGHTS_FILE)));

        // a checkpoint of another run (other labels) is refused rather than silently trained on
        FakeRunContext wrong = FakeRunContext.builder(tmp.resolve("attempt-3")).dataset(newClasses)
                .resumeFrom(new RunContext.Checkpoint(PretrainedAudioModel.modelDir().resolve("../work/checkpoints/epoch-0004")
                        .normalize(), 4, 8))
                .baseModel(PretrainedAudioModel.modelDir()).build();
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> new AudioClassificationRecipe().run(wrong));
        assertTrue(e.getMessage().contains("holds a model for labels"), e.getMessage());
    }

    @Test
    void cancelStopsAtTheNextStepWithoutWritingAModel() throws Exception {
        FakeRunContext ctx = FakeRunContext.builder(tmp).baseModel(PretrainedAudioModel.modelDir()).dataset(newClasses)
                .param("epochs", 5).param("batch_size", 8).cancelAfterSteps(2).build();
        RunResult result = new AudioClassificationRecipe().run(ctx);
        assertFalse(result.completed());
        assertEquals(2, ctx.steps());
        assertTrue(result.finalMetrics().containsKey("base_test_accuracy"));
        try (Stream<Path> files = Files.list(ctx.outputDir())) {
            assertEquals(0, files.count());
        }
    }

    @Test
    void baseModelsThatAreNotAudioModelsAreRefused() throws Exception {
        FakeRunContext none = FakeRunContext.builder(tmp.resolve("a")).dataset(newClasses).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new AudioClassificationRecipe().run(none));
        assertTrue(e.getMessage().contains("fine-tunes a base model"), e.getMessage());

        Path imageModel = tmp.resolve("image-model");
        Files.createDirectories(imageModel);
        Files.writeString(imageModel.resolve("config.json"), "{\"model_type\": \"modelhub-cnn\"}");
        FakeRunContext image = FakeRunContext.builder(tmp.resolve("b")).baseModel(imageModel).dataset(newClasses).build();
        e = assertThrows(InvalidModelException.class, () -> new AudioClassificationRecipe().run(image));
        assertTrue(e.getMessage().contains("model_type \"modelhub-cnn\"; audio-classification fine-tunes "
                + "modelhub-audio, wav2vec2, hubert models"), e.getMessage());
    }
}
