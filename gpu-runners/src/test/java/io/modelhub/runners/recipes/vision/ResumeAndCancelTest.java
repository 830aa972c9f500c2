package io.modelhub.runners.recipes.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.RunContext;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumeAndCancelTest {

    @TempDir
    static Path shared;
    static Path data;

    @TempDir
    Path tmp;

    @BeforeAll
    static void dataset() {
        // 3 classes x 20 train images, batch 16: 4 steps per epoch (the last batch has 12 images)
        data = ImageFolderDatasetBuilder.in(shared.resolve("data"))
                .classes(Pattern.HORIZONTAL_STRIPES, Pattern.VERTICAL_STRIPES, Pattern.DISC)
                .split("train", 20).split("validation", 5).split("test", 5).build();
    }

    @Test
    void resumeContinuesAtTheEpochAfterTheCheckpoint() throws Exception {
        // first attempt: stops (as if the runner died) right after the checkpoint of epoch 1
        FakeRunContext first = FakeRunContext.builder(tmp.resolve("attempt-1")).dataset(data)
                .param("epochs", 3).param("batch_size", 16).cancelAfterCheckpoints(1).build();
        RunResult interrupted = new ImagePretrainingRecipe().run(first);
        assertFalse(interrupted.completed());
        assertEquals(1, first.checkpoints().size());
        RunContext.Checkpoint checkpoint = first.checkpoints().get(0);
        assertEquals(1, checkpoint.epoch());
        assertEquals(4, checkpoint.step());

        FakeRunContext second = FakeRunContext.builder(tmp.resolve("attempt-2")).dataset(data)
                .param("epochs", 3).param("batch_size", 16).resumeFrom(checkpoint).build();
        RunResult resumed = new ImagePretrainingRecipe().run(second);

        assertTrue(resumed.completed());
        assertTrue(second.logs().contains("Resuming from checkpoint at epoch 1, step 4"), second.logs().toString());
        assertEquals(List.of(2.0, 3.0), second.values("epoch"));
        assertEquals(5L, second.metrics().stream().filter(m -> m.name().equals("loss")).findFirst().orElseThrow().step());
        assertEquals(8, second.steps());
        assertEquals(List.of(2, 3), second.checkpoints().stream().map(RunContext.Checkpoint::epoch).toList());
        assertEquals(12L, second.checkpoints().get(1).step());
        assertTrue(Files.isRegularFile(second.outputDir().resolve(CnnModel.WEIGHTS_FILE)));
        assertTrue(resumed.finalMetrics().containsKey("test_accuracy"));
    }

    @Test
    void resumingAFinishedRunOnlyEvaluates() throws Exception {
        FakeRunContext first = FakeRunContext.builder(tmp.resolve("attempt-1")).dataset(data)
                .param("epochs", 1).param("batch_size", 16).build();
        assertTrue(new ImagePretrainingRecipe().run(first).completed());

        FakeRunContext second = FakeRunContext.builder(tmp.resolve("attempt-2")).dataset(data)
                .param("epochs", 1).param("batch_size", 16).resumeFrom(first.checkpoints().get(0)).build();
        RunResult result = new ImagePretrainingRecipe().run(second);

        assertTrue(result.completed());
        assertEquals(0, second.steps());
        assertEquals(first.last("test_accuracy"), second.last("test_accuracy"));
    }

    @Test
    void cancelStopsAtTheNextStepWithoutWritingAModel() throws Exception {
        FakeRunContext ctx = FakeRunContext.builder(tmp).dataset(data)
                .param("epochs", 50).param("batch_size", 8).cancelAfterSteps(3).build();

        RunResult result = new ImagePretrainingRecipe().run(ctx);

        assertFalse(result.completed());
        assertEquals(3, ctx.steps());
        assertTrue(ctx.checkpoints().isEmpty());
        assertTrue(ctx.values("test_accuracy").isEmpty());
        try (Stream<Path> files = Files.list(ctx.outputDir())) {
            assertEquals(0, files.count());
        }
        assertTrue(ctx.logs().stream().anyMatch(l -> l.startsWith("Cancelled")), ctx.logs().toString());
    }

    @Test
    void cancelledFineTuningReturnsNotCompleted() throws Exception {
        FakeRunContext ctx = FakeRunContext.builder(tmp).baseModel(PretrainedCnn.modelDir()).dataset(data)
                .param("epochs", 5).cancelAfterSteps(1).build();
        RunResult result = new ImageClassificationRecipe().run(ctx);
        assertFalse(result.completed());
        assertEquals(1, ctx.steps());
        assertTrue(result.finalMetrics().containsKey("base_test_accuracy"));
    }
}
