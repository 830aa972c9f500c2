package io.modelhub.runners.recipes.text;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.TextDatasetBuilder;
import io.modelhub.runners.testing.TextDatasetBuilder.Topic;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * One modelhub-text encoder pre-trained per test JVM on an unlabelled corpus of all topics, shared by the tests
 * that need a base model (and checked by {@link TextPretrainingRecipeTest}).
 */
final class PretrainedText {

    static final int EPOCHS = 4;

    private static Path root;
    private static Path model;
    private static FakeRunContext context;
    private static RunResult result;
    private static double seconds;

    private PretrainedText() {
    }

    static synchronized Path modelDir() {
        if (model == null) {
            try {
                root = Files.createTempDirectory("pretrained-text");
                Runtime.getRuntime().addShutdownHook(new Thread(() -> deleteQuietly(root)));
                Path corpus = TextDatasetBuilder.in(root.resolve("corpus")).topics(Topic.values()).labels(false)
                        .split("train", 300).split("test", 40).seed(3).build();
                context = FakeRunContext.builder(root.resolve("run")).dataset(corpus)
                        .param("epochs", EPOCHS).param("seed", 5).build();
                long started = System.nanoTime();
                result = new TextPretrainingRecipe().run(context);
                seconds = (System.nanoTime() - started) / 1e9;
                assertTrue(result.completed(), "pre-training did not complete: " + context.logs());
                model = context.outputDir();
            } catch (Exception e) {
                throw new IllegalStateException("pre-training the shared text model failed", e);
            }
        }
        return model;
    }

    static synchronized RunResult result() {
        modelDir();
        return result;
    }

    static synchronized FakeRunContext context() {
        modelDir();
        return context;
    }

    static synchronized double seconds() {
        modelDir();
        return seconds;
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> paths = Files.walk(dir)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // a temp folder left behind is harmless
        }
    }
}
