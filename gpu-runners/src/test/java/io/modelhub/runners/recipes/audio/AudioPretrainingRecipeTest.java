package io.modelhub.runners.recipes.audio;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.data.ClassFolderDataset;
import io.modelhub.runners.recipes.data.DatasetException;
import io.modelhub.runners.recipes.data.MediaKind;
import io.modelhub.runners.recipes.vision.ClassificationMetrics;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.TrainingState;
import io.modelhub.runners.testing.AudioFolderDatasetBuilder;
import io.modelhub.runners.testing.FakeRunContext;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AudioPretrainingRecipeTest {

    @TempDir
    Path tmp;

    @Test
    void pretrainingLearnsFarAboveChanceAndWritesAModelThatScoresASplit() throws Exception {
        // stereo 24-bit files at 22.05 kHz: decoded, mixed to mono and resampled to the recipe's 16 kHz
        Path data = AudioFolderDatasetBuilder.in(tmp.resolve("data"))
                .classes(SoundClass.tone(400), SoundClass.tone(1_600), SoundClass.chirp(500, 3_000),
                        SoundClass.noiseBand(4_000, 6_000))
                .split("train", 20).split("val", 4).split("test", 10)
                .sampleRate(22_050).channels(2).format(WavFormat.PCM_24).seed(3).build();
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).dataset(data)
                .param("epochs", 4).param("batch_size", 16).build();

        long started = System.nanoTime();
        RunResult result = new AudioPretrainingRecipe().run(ctx);
        System.out.printf("audio pre-training: %s in %.1f s%n", result.finalMetrics(),
                (System.nanoTime() - started) / 1e9);
        ctx.logs().forEach(line -> System.out.println("  " + line));

        assertTrue(result.completed(), ctx.logs().toString());
        // 4 balanced classes: chance is 0.25
        double accuracy = result.finalMetrics().get("test_accuracy");
        assertTrue(accuracy >= 0.8, "test accuracy " + accuracy);
        assertTrue(result.finalMetrics().get("test_macro_f1") >= 0.8, result.finalMetrics().toString());
        // 80 train clips in batches of 16: 5 steps per epoch
        assertEquals(20, ctx.steps());
        assertEquals(List.of(1.0, 2.0, 3.0, 4.0), ctx.values("epoch"));
        assertEquals(List.of(1, 2, 3, 4), ctx.checkpoints().stream().map(RunContext.Checkpoint::epoch).toList());
        assertEquals(4, TrainingState.read(ctx.checkpoints().get(3).dir()).epoch());
        assertTrue(ctx.logs().stream().anyMatch(l -> l.contains("80 train, 16 validation, 40 test clips as 40 mels x 101"
                + " frames at 16000 Hz")), ctx.logs().toString());

        JsonNode config = new ObjectMapper().readTree(ctx.outputDir().resolve("config.json").toFile());
        assertEquals("modelhub-audio", config.get("model_type").asText());
        assertEquals("ModelHubAudioCnn", config.get("architectures").get(0).asText());
        assertEquals(16_000, config.get("sample_rate").asInt());
        assertEquals(512, config.get("n_fft").asInt());
        assertEquals(400, config.get("win_length").asInt());
        assertEquals(160, config.get("hop_length").asInt());
        assertEquals(40, config.get("n_mels").asInt());
        assertEquals(101, config.get("frames").asInt());
        assertEquals("chirp-500-3000", config.get("id2label").get("0").asText());

        // the public entry point an evaluation job uses: load the produced model, score a split of a dataset
        try (AudioClassifierModel model = AudioClassifierModel.load(ctx.outputDir(), Device.cpu())) {
            ClassFolderDataset dataset = ClassFolderDataset.open(data, 1, MediaKind.AUDIO);
            model.checkLabels(dataset.labels());
            ClassificationMetrics test = model.evaluate(dataset.test());
            assertEquals(accuracy, test.accuracy(), 1e-9);
            assertEquals(40, test.count());
            Path clip = dataset.test().file(0);
            assertEquals(clip.getParent().getFileName().toString(), model.classify(clip));
            assertThrows(InvalidModelException.class, () -> model.checkLabels(List.of("a", "b")));
        }
    }

    @Test
    void sameSeedGivesTheSameModelBytes() throws Exception {
        Path data = AudioFolderDatasetBuilder.in(tmp.resolve("data"))
                .classes(SoundClass.tone(500), SoundClass.tone(2_000))
                .split("train", 10).split("test", 2).seconds(0.5).build();
        byte[][] weights = new byte[2][];
        for (int run = 0; run < 2; run++) {
            FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run-" + run)).dataset(data)
                    .param("epochs", 1).param("batch_size", 8).param("clip_seconds", 0.5).param("n_mels", 32)
                    .build();
            assertTrue(new AudioPretrainingRecipe().run(ctx).completed());
            weights[run] = Files.readAllBytes(ctx.outputDir().resolve(AudioClassifierModel.WEIGHTS_FILE));
            assertTrue(ctx.logs().stream().anyMatch(l -> l.startsWith("no validation split: 2 train audio files")),
                    ctx.logs().toString());
            assertEquals(32, AudioConfig.read(ctx.outputDir().resolve("config.json")).features().nMels());
            assertEquals(51, AudioConfig.read(ctx.outputDir().resolve("config.json")).features().frames());
        }
        org.junit.jupiter.api.Assertions.assertArrayEquals(weights[0], weights[1]);
    }

    @Test
    void unsupportedAndBrokenAudioFailWithClearErrors() throws Exception {
        Path data = AudioFolderDatasetBuilder.in(tmp.resolve("data"))
                .classes(SoundClass.tone(500), SoundClass.tone(2_000)).split("train", 3).seconds(0.2).build();
        Path mp3 = data.resolve("train").resolve("tone-500").resolve("song.mp3");
        Files.write(mp3, new byte[] {'I', 'D', '3', 4, 0, 0});
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).dataset(data).build();
        DatasetException e = assertThrows(DatasetException.class, () -> new AudioPretrainingRecipe().run(ctx));
        assertTrue(e.getMessage().contains("song.mp3 is .mp3, which this runner cannot decode; convert the dataset's"
                + " audio files to WAV (PCM 8/16/24/32-bit integer or 32/64-bit float"), e.getMessage());

        Files.delete(mp3);
        Files.writeString(data.resolve("train").resolve("tone-500").resolve("broken.wav"), "RIFF....WAVEjunk");
        FakeRunContext again = FakeRunContext.builder(tmp.resolve("run-2")).dataset(data).build();
        e = assertThrows(DatasetException.class, () -> new AudioPretrainingRecipe().run(again));
        assertTrue(e.getMessage().contains("broken.wav"), e.getMessage());

        Path images = tmp.resolve("no-audio");
        Files.createDirectories(images.resolve("train").resolve("cat"));
        Files.writeString(images.resolve("train").resolve("cat").resolve("a.png"), "png");
        FakeRunContext none = FakeRunContext.builder(tmp.resolve("run-3")).dataset(images).build();
        e = assertThrows(DatasetException.class, () -> new AudioPretrainingRecipe().run(none));
        assertTrue(e.getMessage().contains("Expected the audiofolder layout: train/<label>/<clip>.wav"), e.getMessage());
    }

    @Test
    void audioFolderUnderDataWithoutTestUsesValidation() throws Exception {
        Path root = tmp.resolve("repo");
        AudioFolderDatasetBuilder.in(root.resolve("data")).classes(SoundClass.tone(500), SoundClass.chirp(300, 900))
                .split("train", 3).split("validation", 2).seconds(0.1).build();
        ClassFolderDataset dataset = ClassFolderDataset.open(root, 1, MediaKind.AUDIO);
        assertEquals(List.of("chirp-300-900", "tone-500"), dataset.labels());
        assertEquals(6, dataset.train().size());
        assertEquals(dataset.validation(), new io.modelhub.runners.recipes.data.LabelledFiles("validation",
                dataset.test().files(), dataset.test().labels()));
        assertTrue(dataset.notes().contains("no test split: test metrics are computed on the validation split"));
    }
}
