package io.modelhub.runners.recipes.vision.resnet;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.tracker.Tracker;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.ImageFolderDataset;
import io.modelhub.runners.recipes.training.TrainableClassifier;
import io.modelhub.runners.recipes.vision.RandomResizedCrop;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * resnet18 throughput on this machine's CPU: inference (eval-mode logits) and training steps (forward, softmax
 * cross-entropy, backward, AdamW step, as ClassifierTraining runs them) at 32 and 224 px, batch 32, with and
 * without augmentation. docs/vision-models.md quotes it. Not a test (the name keeps surefire's default includes
 * away from it): {@code ./mvnw -B -ntp -o -pl gpu-runners -am test -Dtest=ResNetBenchmark
 * -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ResNetBenchmark {

    static final int BATCH = 32;

    @Test
    void resnet18ImagesPerSecond() throws Exception {
        for (int size : new int[] {32, 224}) {
            Path dir = Files.createTempDirectory("resnet-bench");
            Path base = TimmResNets.random(dir.resolve("base"), "resnet18", List.of("a", "b"), size, 1);
            Path data = ImageFolderDatasetBuilder.in(dir.resolve("data")).classes(Pattern.DISC, Pattern.RING)
                    .split("train", BATCH).imageSize(size).build();
            DecodedImages images = DecodedImages.of(ImageFolderDataset.open(data, 1).train(), size);
            int steps = size <= 64 ? 10 : 3;
            try (ResNetClassifier model = ResNetClassifier.withNewHead(base, List.of("disc", "ring"), 1, Device.cpu());
                    Trainer trainer = model.newTrainer(Tracker.fixed(1e-4f))) {
                double inference = measure(steps, () -> {
                    try (NDManager batch = model.manager().newSubManager()) {
                        model.logits(model.batchInputs(batch, images, null, 0, BATCH)).toFloatArray();
                    }
                });
                double training = measure(steps, () -> step(trainer, model, images));
                model.augment(images, RandomResizedCrop.DEFAULT);
                double augmented = measure(steps, () -> step(trainer, model, images));
                long start = System.nanoTime();
                int[] order = new int[BATCH];
                for (int i = 0; i < BATCH; i++) {
                    order[i] = i;
                }
                try (NDManager batch = model.manager().newSubManager()) {
                    for (int i = 0; i < steps; i++) {
                        model.batchInputs(batch, images, order, 0, BATCH);
                    }
                }
                double augmentMillis = (System.nanoTime() - start) / 1e6 / steps;
                System.out.printf("ResNetBenchmark resnet18 %d px, batch %d: inference %.1f images/s, training %.1f "
                        + "images/s, training with crop+flip augmentation %.1f images/s (augmenting a batch: %.1f ms)%n",
                        size, BATCH, inference, training, augmented, augmentMillis);
            }
        }
    }

    private static double measure(int steps, Runnable step) {
        step.run();
        long start = System.nanoTime();
        for (int i = 0; i < steps; i++) {
            step.run();
        }
        return steps * BATCH / ((System.nanoTime() - start) / 1e9);
    }

    private static void step(Trainer trainer, ResNetClassifier model, DecodedImages images) {
        try (NDManager batch = trainer.getManager().newSubManager()) {
            int[] order = new int[BATCH];
            for (int i = 0; i < BATCH; i++) {
                order[i] = i;
            }
            NDList inputs = model.batchInputs(batch, images, order, 0, BATCH);
            NDArray labels = TrainableClassifier.labelTensor(batch, images, order, 0, BATCH);
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDArray logits = trainer.forward(inputs).singletonOrThrow();
                collector.backward(trainer.getLoss().evaluate(new NDList(labels), new NDList(logits)));
            }
            trainer.step();
        }
    }
}
