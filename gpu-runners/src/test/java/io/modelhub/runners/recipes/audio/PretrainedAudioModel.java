package io.modelhub.runners.recipes.audio;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.testing.AudioFolderDatasetBuilder;
import io.modelhub.runners.testing.FakeRunContext;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One modelhub-audio model pre-trained by {@link AudioPretrainingRecipe} on tones and noise bands, shared by the
 * audio fine-tuning tests of a test run (pre-training it once keeps them fast).
 */
final class PretrainedAudioModel {

    static final SoundClass[] CLASSES = {
        SoundClass.tone(300), SoundClass.tone(1_200), SoundClass.noiseBand(2_000, 3_000), SoundClass.noiseBand(5_000, 7_000)
    };

    private static Path model;
    private static RunResult result;

    private PretrainedAudioModel() {
    }

    static synchronized Path modelDir() {
        if (model == null) {
            try {
                Path root = Files.createTempDirectory("pretrained-audio");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(root)));
                Path data = AudioFolderDatasetBuilder.in(root.resolve("data")).classes(CLASSES)
                        .split("train", 24).split("validation", 4).split("test", 8).seed(11).build();
                FakeRunContext ctx = FakeRunContext.builder(root.resolve("run")).dataset(data)
                        .param("epochs", 4).param("batch_size", 16).param("seed", 5).build();
                long started = System.nanoTime();
                result = new AudioPretrainingRecipe().run(ctx);
                System.out.printf("audio pre-training (shared base): %s in %.1f s%n", result.finalMetrics(),
                        (System.nanoTime() - started) / 1e9);
                assertTrue(result.completed(), "pre-training did not complete: " + ctx.logs());
                model = ctx.outputDir();
            } catch (Exception e) {
                throw new IllegalStateException("pre-training the shared audio test model failed", e);
            }
        }
        return model;
    }

    static synchronized RunResult result() {
        modelDir();
        return result;
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temp folder left behind is harmless
        }
    }
}
