package io.modelhub.runners.recipes.vision.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.ImageFolderDataset;
import io.modelhub.runners.recipes.eval.EvaluateRecipe;
import io.modelhub.runners.recipes.eval.ModelEvaluators;
import io.modelhub.runners.recipes.training.Epochs;
import io.modelhub.runners.recipes.training.TrainableClassifier;
import io.modelhub.runners.recipes.vision.ClassificationMetrics;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A ViTClassifier fine-tunes as the shared training loop drives it (top layers only), learns an imagefolder task,
 * and what it saves is scored by {@code evaluate} through the "vit" evaluator with the same accuracy.
 */
class ViTClassifierTest {

    @TempDir
    Path tmp;

    @Test
    void fineTunesTopLayersAndEvaluateScoresTheSavedModel() throws Exception {
        Path data = ImageFolderDatasetBuilder.in(tmp.resolve("data"))
                .classes(Pattern.HORIZONTAL_STRIPES, Pattern.VERTICAL_STRIPES, Pattern.DISC).seed(5).build();
        ImageFolderDataset dataset = ImageFolderDataset.open(data, 1);
        Path base = TinyViT.writeBase(tmp.resolve("base"));
        Path tuned = tmp.resolve("tuned");
        double accuracy;
        try (ViTClassifier classifier = ViTClassifier.withNewHead(base, dataset.labels(), 3, Device.cpu())) {
            assertEquals(32, classifier.imageSize());
            assertFalse(classifier.usesBatchStatistics());
            classifier.trainTopLayers(1);
            classifier.model().namedParameters().forEach((name, p) -> {
                boolean trains = name.startsWith("vit.encoder.layer.1.") || name.startsWith("vit.layernorm.")
                        || name.startsWith("classifier.");
                assertEquals(trains, p.requiresGradient(), name);
            });
            DecodedImages train = DecodedImages.of(dataset.train(), classifier.imageSize());
            DecodedImages test = DecodedImages.of(dataset.test(), classifier.imageSize());
            ClassificationMetrics before = classifier.evaluate(test, 32);
            int epochs = 4;
            int batchSize = 16;
            long started = System.nanoTime();
            try (Trainer trainer = classifier.newTrainer(3e-3f)) {
                for (int epoch = 1; epoch <= epochs; epoch++) {
                    int[] order = Epochs.begin(train.size(), 3, epoch);
                    for (int from = 0; from < order.length; from += batchSize) {
                        int to = Math.min(order.length, from + batchSize);
                        try (NDManager batch = trainer.getManager().newSubManager()) {
                            NDList x = classifier.batchInputs(batch, train, order, from, to);
                            NDArray y = TrainableClassifier.labelTensor(batch, train, order, from, to);
                            try (GradientCollector collector = trainer.newGradientCollector()) {
                                collector.backward(trainer.getLoss().evaluate(new NDList(y), trainer.forward(x)));
                            }
                            trainer.step();
                        }
                    }
                }
            }
            double seconds = (System.nanoTime() - started) / 1e9;
            ClassificationMetrics after = classifier.evaluate(test, 32);
            accuracy = after.accuracy();
            System.out.printf("ViTClassifierTest: %d train images x %d epochs in %.1f s (%.0f images/s, top layer + "
                            + "head); test accuracy %.3f -> %.3f%n", train.size(), epochs, seconds,
                    train.size() * epochs / seconds, before.accuracy(), after.accuracy());
            assertTrue(after.accuracy() >= 0.8, "test accuracy " + after.accuracy());
            assertTrue(after.accuracy() > before.accuracy() + 0.2, before.accuracy() + " -> " + after.accuracy());
            classifier.save(tuned);
        }

        assertEquals("vit", ModelEvaluators.forModel(tuned).modelType());
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("eval")).baseModel(tuned).dataset(data)
                .params(Map.of("split", "test", "metric", "accuracy")).build();
        RunResult scored = new EvaluateRecipe().run(ctx);
        assertTrue(scored.completed());
        assertEquals(accuracy, scored.finalMetrics().get("accuracy"), 1e-9);
    }
}
