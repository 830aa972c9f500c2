package io.modelhub.runners.recipes.vision.resnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.ImageClassificationRecipe;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.FashionMnist;
import io.modelhub.runners.testing.PythonReference;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A rehearsal of the acceptance criterion on real images: Debian's Fashion-MNIST (28 px, 10 classes; the first 1,000
 * train (900 + 100 validation) and test images), a seeded random-weight resnet18 at 28 px fine-tuned through image-classification for
 * 3 epochs, then the written timm folder loaded by torchvision (strict) on the test split: the same accuracy.
 * Not a test (about a minute of CPU; the name keeps surefire's default includes away from it):
 * {@code ./mvnw -B -ntp -o -pl gpu-runners -am test -Dtest=ResNetFashionMnistCheck -Dsurefire.failIfNoSpecifiedTests=false}.
 */
class ResNetFashionMnistCheck {

    @TempDir
    Path tmp;

    @Test
    void torchvisionScoresTheFineTunedResNetAsTheRunDid() throws Exception {
        PythonReference.require("torch", "torchvision", "PIL");
        Path data = FashionMnist.writeImageFolder(tmp.resolve("fashion"), 1_000);
        Path base = TimmResNets.random(tmp.resolve("base"), "resnet18", List.of("a", "b"), 28, 3);
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(base).dataset(data)
                .param("epochs", 3).param("batch_size", 32).build();
        long started = System.nanoTime();
        RunResult result = new ImageClassificationRecipe().run(ctx);
        double seconds = (System.nanoTime() - started) / 1e9;
        assertTrue(result.completed());
        JsonNode torchvision = ConfigJson.JSON.readTree(PythonReference.run("resnet_reference.py", "verify",
                ctx.outputDir().toString(), data.resolve("test").toString()));
        System.out.printf("ResNetFashionMnistCheck: %s in %.0f s; torchvision test accuracy %.4f on %d images%n",
                result.finalMetrics(), seconds, torchvision.get("accuracy").asDouble(), torchvision.get("count").asInt());
        assertEquals(result.finalMetrics().get("test_accuracy"), torchvision.get("accuracy").asDouble(), 1e-9);
    }

}
