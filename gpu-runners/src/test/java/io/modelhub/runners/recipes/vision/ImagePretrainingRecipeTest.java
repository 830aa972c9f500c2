package io.modelhub.runners.recipes.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImagePretrainingRecipeTest {

    @TempDir
    Path tmp;

    @Test
    void pretrainingReachesTestAccuracyWellAboveChance() throws Exception {
        Path data = ImageFolderDatasetBuilder.in(tmp.resolve("data"))
                .classes(Pattern.HORIZONTAL_STRIPES, Pattern.VERTICAL_STRIPES, Pattern.CHECKERBOARD, Pattern.DISC)
                .build();
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).dataset(data)
                .param("epochs", 6).param("batch_size", 16).build();

        long started = System.nanoTime();
        RunResult result = new ImagePretrainingRecipe().run(ctx);
        System.out.printf("pre-training: %s in %.1f s%n", result.finalMetrics(), (System.nanoTime() - started) / 1e9);

        assertTrue(result.completed());
        // 4 balanced classes: chance is 0.25
        double testAccuracy = result.finalMetrics().get("test_accuracy");
        assertTrue(testAccuracy >= 0.8, "test accuracy " + testAccuracy);
        assertTrue(result.finalMetrics().get("test_macro_f1") >= 0.8, result.finalMetrics().toString());
        assertEquals(testAccuracy, ctx.last("test_accuracy").orElseThrow());

        // 160 train images in batches of 16: 10 steps per epoch, numbered 1..60
        assertEquals(LongStream.rangeClosed(1, 60).boxed().toList(),
                ctx.metrics().stream().filter(m -> m.name().equals("loss")).map(FakeRunContext.Metric::step).toList());
        assertEquals(List.of(1.0, 2.0, 3.0, 4.0, 5.0, 6.0), ctx.values("epoch"));
        assertEquals(6, ctx.values("val_accuracy").size());
        assertEquals(6, ctx.values("val_macro_f1").size());
        List<Double> losses = ctx.values("loss");
        assertTrue(losses.get(losses.size() - 1) < losses.get(0), "loss did not fall: " + losses);

        assertEquals(List.of(1, 2, 3, 4, 5, 6), ctx.checkpoints().stream().map(RunContext.Checkpoint::epoch).toList());
        RunContext.Checkpoint last = ctx.checkpoints().get(5);
        assertEquals(60, last.step());
        assertTrue(Files.isRegularFile(last.dir().resolve(CnnModel.WEIGHTS_FILE)));
        assertEquals(6, TrainingState.read(last.dir()).epoch());

        CnnConfig written = CnnConfig.read(ctx.outputDir().resolve(CnnModel.CONFIG_FILE));
        assertEquals(List.of("checkerboard", "disc", "horizontal-stripes", "vertical-stripes"), written.labels());
        try (CnnModel reloaded = CnnModel.load(ctx.outputDir(), Device.cpu())) {
            assertEquals(written, reloaded.config());
        }
    }

    @Test
    void sameSeedGivesTheSameModelBytes() throws Exception {
        Path data = ImageFolderDatasetBuilder.in(tmp.resolve("data")).classes(Pattern.DISC, Pattern.RING, Pattern.GRID)
                .split("train", 12).split("test", 4).build();
        byte[][] weights = new byte[2][];
        for (int run = 0; run < 2; run++) {
            FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run-" + run)).dataset(data)
                    .param("epochs", 2).param("batch_size", 8).param("seed", 9).build();
            assertTrue(new ImagePretrainingRecipe().run(ctx).completed());
            weights[run] = Files.readAllBytes(ctx.outputDir().resolve(CnnModel.WEIGHTS_FILE));
            // no validation folder: 10% of each class was held out, and said so
            assertTrue(ctx.logs().stream().anyMatch(l -> l.startsWith("no validation split")), ctx.logs().toString());
        }
        // bit-identical with one PyTorch CPU thread, as surefire runs it; more threads may reorder float sums
        assertArrayEquals(weights[0], weights[1]);
    }
}
