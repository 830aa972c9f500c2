package io.modelhub.runners.recipes.vision.resnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.contract.ModelTypes;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.data.DatasetException;
import io.modelhub.runners.recipes.eval.EvaluateRecipe;
import io.modelhub.runners.recipes.eval.ModelEvaluators;
import io.modelhub.runners.recipes.vision.ImageClassificationRecipe;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * image-classification on a timm resnet18 base (seeded random weights, 32 px) through {@link FakeRunContext}: the
 * whole backbone or the head only, and evaluate scoring what it wrote.
 */
class ResNetRecipeTest {

    @TempDir
    static Path shared;
    static Path base;
    static Path data;

    @TempDir
    Path tmp;

    @BeforeAll
    static void fixtures() {
        base = TimmResNets.random(shared.resolve("base"), "resnet18", List.of("x", "y"), 32, 11);
        data = ImageFolderDatasetBuilder.in(shared.resolve("data"))
                .classes(Pattern.HORIZONTAL_STRIPES, Pattern.VERTICAL_STRIPES, Pattern.DISC)
                .split("train", 16).split("validation", 4).split("test", 8).seed(4).build();
    }

    @Test
    void fineTunesTheWholeNetworkAndEvaluateScoresItAsTheRunDid() throws Exception {
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(base).dataset(data)
                .param("epochs", 4).param("batch_size", 16).build();
        long started = System.nanoTime();
        RunResult result = new ImageClassificationRecipe().run(ctx);
        System.out.printf("ResNetRecipeTest full: %s in %.1f s%n", result.finalMetrics(),
                (System.nanoTime() - started) / 1e9);

        assertTrue(result.completed());
        assertTrue(ctx.logs().stream().anyMatch(l -> l.contains("random resized crops of 35-100% of the area")),
                "timm bases augment by default");
        assertTrue(ctx.logs().stream().anyMatch(l -> l.contains("linear warm-up over 2 of 12 steps")), ctx.logs()
                .toString());
        // stripes and discs from random weights: far above chance (1/3) after 12 steps, crops and all
        double baseline = result.finalMetrics().get("base_test_accuracy");
        double tuned = result.finalMetrics().get("test_accuracy");
        assertTrue(tuned >= 0.6 && tuned > baseline + 0.2, "fine-tuned " + tuned + " vs base " + baseline);
        TimmResNetConfig config = TimmResNetConfig.read(ctx.outputDir().resolve("config.json"));
        assertEquals(List.of("disc", "horizontal-stripes", "vertical-stripes"), config.labels());
        assertEquals(ModelTypes.TIMM, ModelEvaluators.modelType(ctx.outputDir()));

        var before = Safetensors.read(base.resolve(ResNetClassifier.WEIGHTS_FILE));
        var after = Safetensors.read(ctx.outputDir().resolve(ResNetClassifier.WEIGHTS_FILE));
        assertFalse(Arrays.equals(before.get("layer1.0.conv1.weight").data(), after.get("layer1.0.conv1.weight").data()));
        assertFalse(Arrays.equals(before.get("bn1.running_mean").data(), after.get("bn1.running_mean").data()));
        // 48 train images in batches of 16: 3 steps per epoch, each one batch norm update
        assertEquals(12f, after.get("layer4.1.bn2.num_batches_tracked").data()[0]);

        FakeRunContext eval = FakeRunContext.builder(tmp.resolve("eval")).baseModel(ctx.outputDir()).dataset(data)
                .param("metric", "accuracy").build();
        RunResult scored = new EvaluateRecipe().run(eval);
        assertEquals("timm", scored.details().get("model_type"));
        assertEquals(result.finalMetrics().get("test_accuracy"), scored.finalMetrics().get("accuracy"), 1e-9,
                "evaluate reads the test split as training scored it");
    }

    @Test
    void aFrozenBackboneStaysExactlyAsLoaded() throws Exception {
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(base).dataset(data)
                .param("epochs", 1).param("batch_size", 16).param("freeze_backbone", true).param("augment", "crop_flip")
                .param("learning_rate", 1e-2).build();
        RunResult result = new ImageClassificationRecipe().run(ctx);
        assertTrue(result.completed());
        var before = Safetensors.read(base.resolve(ResNetClassifier.WEIGHTS_FILE));
        var after = Safetensors.read(ctx.outputDir().resolve(ResNetClassifier.WEIGHTS_FILE));
        for (String name : before.keySet()) {
            if (!name.startsWith("fc.")) {
                assertArrayEquals(before.get(name).data(), after.get(name).data(), 0f, name);
            }
        }
        assertEquals(0f, after.get("bn1.num_batches_tracked").data()[0], "no batch statistics with a frozen backbone");
        assertEquals(List.of(3L, 512L), Arrays.stream(after.get("fc.weight").shape()).boxed().toList());
        assertTrue(ctx.logs().stream().anyMatch(l -> l.startsWith("Backbone frozen")));
    }

    @Test
    void aResumedRunContinuesFromItsCheckpointInTheTimmLayout() throws Exception {
        FakeRunContext first = FakeRunContext.builder(tmp.resolve("attempt-1")).baseModel(base).dataset(data)
                .param("epochs", 2).param("batch_size", 16).cancelAfterCheckpoints(1).build();
        assertFalse(new ImageClassificationRecipe().run(first).completed());
        var checkpoint = first.checkpoints().get(0);
        assertEquals(3f, Safetensors.read(checkpoint.dir().resolve(ResNetClassifier.WEIGHTS_FILE))
                .get("bn1.num_batches_tracked").data()[0]);

        FakeRunContext second = FakeRunContext.builder(tmp.resolve("attempt-2")).baseModel(base).dataset(data)
                .param("epochs", 2).param("batch_size", 16).resumeFrom(checkpoint).build();
        assertTrue(new ImageClassificationRecipe().run(second).completed());
        assertTrue(second.logs().contains("Resuming from checkpoint at epoch 1, step 3"), second.logs().toString());
        assertEquals(3, second.steps());
        // the batches of the first attempt, read from the checkpoint, and those of the second
        assertEquals(6f, Safetensors.read(second.outputDir().resolve(ResNetClassifier.WEIGHTS_FILE))
                .get("bn1.num_batches_tracked").data()[0]);
    }

    @Test
    void evaluateRefusesADatasetWhoseLabelsTheHeadDoesNotHave() throws Exception {
        // base classifies "x" and "y"; the dataset's labels are other names
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("eval")).baseModel(base).dataset(data).build();
        var e = assertThrows(IllegalArgumentException.class, () -> new EvaluateRecipe().run(ctx));
        assertTrue(e.getMessage().contains("the model's labels [x, y] do not include the dataset's [disc, "
                + "horizontal-stripes, vertical-stripes]"), e.getMessage());

        Path unnamed = Files.createDirectories(tmp.resolve("unnamed"));
        Files.copy(base.resolve(ResNetClassifier.WEIGHTS_FILE), unnamed.resolve(ResNetClassifier.WEIGHTS_FILE));
        Files.writeString(unnamed.resolve("config.json"), "{\"architecture\": \"resnet18\", \"num_classes\": 2}");
        FakeRunContext noNames = FakeRunContext.builder(tmp.resolve("eval2")).baseModel(unnamed).dataset(data).build();
        var missing = assertThrows(IllegalArgumentException.class, () -> new EvaluateRecipe().run(noNames));
        assertTrue(missing.getMessage().contains("config.json has no label_names"), missing.getMessage());
    }

    @Test
    void anUnreadableImageIsNamedBeforeTraining() throws Exception {
        Path broken = ImageFolderDatasetBuilder.in(tmp.resolve("broken")).classes(Pattern.DISC, Pattern.RING)
                .split("train", 4).split("test", 2).build();
        Path bad = broken.resolve("train/disc/0001.png");
        Files.writeString(bad, "not an image");
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(base).dataset(broken).build();
        DatasetException e = assertThrows(DatasetException.class, () -> new ImageClassificationRecipe().run(ctx));
        assertTrue(e.getMessage().contains(bad.toString()), e.getMessage());
        assertEquals(0, ctx.steps());
    }

    @Test
    void theRecipeListsItsModelTypesAndRefusesOthers() throws Exception {
        assertEquals(List.of("modelhub-cnn", "timm", "vit"), new ImageClassificationRecipe().modelTypes());
        assertEquals("2", new ImageClassificationRecipe().version());
        Path other = Files.createDirectories(tmp.resolve("gpt2"));
        Files.writeString(other.resolve("config.json"), "{\"model_type\": \"gpt2\"}");
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(other).dataset(data).build();
        var e = assertThrows(IllegalArgumentException.class, () -> new ImageClassificationRecipe().run(ctx));
        assertTrue(e.getMessage().contains("model type \"gpt2\"; image-classification fine-tunes modelhub-cnn, timm, vit"),
                e.getMessage());
        FakeRunContext sized = FakeRunContext.builder(tmp.resolve("sized")).baseModel(base).dataset(data)
                .params(Map.of("epochs", 1, "image_size", 40, "augment", "none", "max_grad_norm", 0.5)).build();
        assertTrue(new ImageClassificationRecipe().run(sized).completed());
        assertTrue(sized.logs().stream().anyMatch(l -> l.endsWith("gradients clipped to global norm 0.500")),
                sized.logs().toString());
        assertTrue(sized.logs().stream().noneMatch(l -> l.startsWith("Augmenting")), sized.logs().toString());
        assertEquals(40, TimmResNetConfig.read(sized.outputDir().resolve("config.json")).imageSize());
    }
}
