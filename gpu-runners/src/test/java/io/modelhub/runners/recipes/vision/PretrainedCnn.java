package io.modelhub.runners.recipes.vision;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One modelhub-cnn pre-trained per test JVM (a few seconds) on stripes/checkerboard/disc, shared by the tests that
 * need a base model, so that each does not pay for its own pre-training.
 */
final class PretrainedCnn {

    static final Pattern[] CLASSES = {
        Pattern.HORIZONTAL_STRIPES, Pattern.VERTICAL_STRIPES, Pattern.CHECKERBOARD, Pattern.DISC
    };

    private static Path root;
    private static Path model;
    private static RunResult result;

    private PretrainedCnn() {
    }

    /** The folder with config.json and model.safetensors. */
    static synchronized Path modelDir() {
        if (model == null) {
            try {
                root = Files.createTempDirectory("pretrained-cnn");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(root)));
                Path data = ImageFolderDatasetBuilder.in(root.resolve("data")).classes(CLASSES).seed(11).build();
                FakeRunContext ctx = FakeRunContext.builder(root.resolve("run")).dataset(data)
                        .param("epochs", 6).param("batch_size", 16).param("seed", 5).build();
                result = new ImagePretrainingRecipe().run(ctx);
                assertTrue(result.completed(), "pre-training did not complete: " + ctx.logs());
                model = ctx.outputDir();
            } catch (Exception e) {
                throw new IllegalStateException("pre-training the shared test model failed", e);
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
