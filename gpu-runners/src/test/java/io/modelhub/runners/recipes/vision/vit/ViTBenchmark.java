package io.modelhub.runners.recipes.vision.vit;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.tracker.Tracker;
import io.modelhub.runners.recipes.Torch;
import io.modelhub.runners.recipes.vision.CnnInitializers;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Throughput of the DJL ViT on this machine's CPU, the figures of docs/vit.md: the test config (TinyViT: 32 px,
 * patch 8, 2 layers, hidden 64) forward and training (AdamW, all layers), batch 32; and ViT-Base/16 at 224 px
 * (12 layers, hidden 768, 12 heads, MLP 3072, 86M parameters, random weights) forward, batch 8. Not a test (the
 * name keeps surefire's default includes away from it):
 * {@code ./mvnw -B -ntp -pl gpu-runners -am test -Dtest=ViTBenchmark -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ViTBenchmark {

    @TempDir
    Path tmp;

    @Test
    void imagesPerSecond() throws Exception {
        Path base = TinyViT.writeBase(tmp.resolve("base"));
        try (ViTClassifier tiny = ViTClassifier.withNewHead(base, List.of("a", "b", "c"), 1, Device.cpu())) {
            int batch = 32;
            ViTConfig config = tiny.model().config();
            double forward = forward(tiny.model().block(), tiny.manager(), config, batch, 5, 40);
            double train;
            try (Trainer trainer = tiny.newTrainer(Tracker.fixed(1e-3f))) {
                for (int i = 0; i < 3; i++) {
                    trainStep(trainer, config, batch);
                }
                int steps = 20;
                long start = System.nanoTime();
                for (int i = 0; i < steps; i++) {
                    trainStep(trainer, config, batch);
                }
                train = steps * batch / ((System.nanoTime() - start) / 1e9);
            }
            System.out.printf("ViTBenchmark: test config (%s) batch %d: forward %.0f images/s, train %.0f images/s%n",
                    config.describe(), batch, forward, train);
        }

        ViTConfig vitBase = ViTConfig.parse("{\"model_type\": \"vit\", \"architectures\": [\"ViTModel\"]}");
        ViTBlock block = new ViTBlock(vitBase, ViTConfig.Task.ENCODER, true, 0);
        try (Model model = Model.newInstance("vit-base", Device.cpu(), Torch.ENGINE)) {
            block.namedParameters().forEach((n, p) -> p.setInitializer(CnnInitializers.normal(n, 1, 0.02)));
            model.setBlock(block);
            block.initialize(model.getNDManager(), DataType.FLOAT32, ViTModel.inputShape(vitBase, 1));
            long parameters = block.namedParameters().values().stream().mapToLong(p -> p.getArray().size()).sum();
            int batch = 8;
            double forward = forward(block, model.getNDManager(), vitBase, batch, 1, 4);
            System.out.printf("ViTBenchmark: ViT-Base/16 at 224 px (%,d parameters) batch %d: forward %.2f images/s%n",
                    parameters, batch, forward);
        }
    }

    private static double forward(ViTBlock block, NDManager parent, ViTConfig config, int batch, int warmup,
            int steps) {
        try (NDManager manager = parent.newSubManager()) {
            NDList input = new NDList(manager.randomNormal(ViTModel.inputShape(config, batch)));
            for (int i = 0; i < warmup; i++) {
                try (NDManager step = manager.newSubManager()) {
                    block.forward(new ParameterStore(step, false), input, false).head().toFloatArray();
                }
            }
            long start = System.nanoTime();
            for (int i = 0; i < steps; i++) {
                try (NDManager step = manager.newSubManager()) {
                    block.forward(new ParameterStore(step, false), input, false).head().toFloatArray();
                }
            }
            return steps * batch / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static void trainStep(Trainer trainer, ViTConfig config, int batch) {
        try (NDManager m = trainer.getManager().newSubManager()) {
            NDArray x = m.randomNormal(ViTModel.inputShape(config, batch));
            NDArray y = m.randomInteger(0, 3, new Shape(batch), DataType.INT64);
            try (GradientCollector collector = trainer.newGradientCollector()) {
                collector.backward(trainer.getLoss().evaluate(new NDList(y), trainer.forward(new NDList(x))));
            }
            trainer.step();
        }
    }

}
