package io.modelhub.runners.recipes.audio.wav2vec2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.audio.AudioClassificationRecipe;
import io.modelhub.runners.recipes.audio.SoundClass;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.testing.AudioFolderDatasetBuilder;
import io.modelhub.runners.testing.FakeRunContext;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What stays as pretrained through audio-classification on a wav2vec2, also across a resume. */
class Wav2Vec2FreezeAndResumeTest {

    @TempDir
    static Path shared;
    static Path base;
    static Path tones;

    @TempDir
    Path tmp;

    @BeforeAll
    static void fixtures() throws Exception {
        base = TinyWav2Vec2.write(shared.resolve("base"), "hubert", 5);
        // 22.05 kHz files: the recipe resamples them
        tones = AudioFolderDatasetBuilder.in(shared.resolve("tones"))
                .classes(SoundClass.tone(300), SoundClass.tone(1200), SoundClass.noiseBand(3000, 5000))
                .split("train", 4).split("validation", 2).split("test", 2).seconds(0.3).sampleRate(22_050).seed(9)
                .build();
    }

    @Test
    void theFeatureEncoderStaysFrozenAcrossAResume() throws Exception {
        FakeRunContext first = FakeRunContext.builder(tmp.resolve("a")).baseModel(base).dataset(tones)
                .param("epochs", 2).param("batch_size", 6).param("learning_rate", 1e-3).cancelAfterCheckpoints(1)
                .build();
        RunResult interrupted = new AudioClassificationRecipe().run(first);
        assertFalse(interrupted.completed());
        RunContext.Checkpoint checkpoint = first.checkpoints().get(0);
        assertEquals(1, checkpoint.epoch());

        FakeRunContext second = FakeRunContext.builder(tmp.resolve("b")).baseModel(base).dataset(tones)
                .param("epochs", 2).param("batch_size", 6).param("learning_rate", 1e-3).resumeFrom(checkpoint)
                .build();
        RunResult resumed = new AudioClassificationRecipe().run(second);
        assertTrue(resumed.completed(), second.logs().toString());
        assertTrue(second.logs().contains("Resuming from checkpoint at epoch 1, step 2"), second.logs().toString());

        Map<String, Safetensors.HostTensor> before = Safetensors.read(base.resolve(Wav2Vec2Model.WEIGHTS_FILE));
        Map<String, Safetensors.HostTensor> after = Safetensors.read(second.outputDir()
                .resolve(Wav2Vec2Model.WEIGHTS_FILE));
        for (String name : before.keySet()) {
            float[] tuned = after.get("hubert." + name).data();
            if (name.startsWith("feature_extractor.")) {
                assertArrayEquals(before.get(name).data(), tuned, 0f, name + " is frozen");
            } else if (name.startsWith("encoder.layers.1.feed_forward.")) {
                assertFalse(Arrays.equals(before.get(name).data(), tuned), name + " trains");
            }
        }
        Wav2Vec2Config config = Wav2Vec2Config.read(second.outputDir().resolve("config.json"));
        assertEquals(List.of("HubertForSequenceClassification"), config.architectures());
        assertEquals(List.of("noise-3000-5000", "tone-1200", "tone-300"), config.labels());
    }

    @Test
    void aFrozenBackboneTrainsOnlyTheHead() throws Exception {
        FakeRunContext ctx = FakeRunContext.builder(tmp).baseModel(base).dataset(tones).param("epochs", 1)
                .param("batch_size", 6).param("freeze_backbone", true).param("learning_rate", 1e-2).build();
        assertTrue(new AudioClassificationRecipe().run(ctx).completed());
        Map<String, Safetensors.HostTensor> before = Safetensors.read(base.resolve(Wav2Vec2Model.WEIGHTS_FILE));
        Map<String, Safetensors.HostTensor> after = Safetensors.read(ctx.outputDir().resolve(Wav2Vec2Model.WEIGHTS_FILE));
        for (String name : before.keySet()) {
            assertArrayEquals(before.get(name).data(), after.get("hubert." + name).data(), 0f, name);
        }
        assertEquals(3, after.get("classifier.weight").shape()[0]);
    }
}
