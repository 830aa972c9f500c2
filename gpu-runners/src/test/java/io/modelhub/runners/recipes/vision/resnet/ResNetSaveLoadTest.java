package io.modelhub.runners.recipes.vision.resnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.runners.recipes.RunResult;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.ImageFolderDataset;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.ImageClassificationRecipe;
import io.modelhub.runners.testing.FakeRunContext;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import io.modelhub.runners.testing.PythonReference;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What image-classification writes for a timm base loads into torchvision with load_state_dict(strict=True) and
 * gives there the test accuracy the run reported, image by image the same logits (the acceptance criterion: a
 * fine-tuned timm-layout checkpoint whose weights torchvision scores as the job did).
 */
class ResNetSaveLoadTest {

    @TempDir
    Path tmp;

    @Test
    void torchvisionReproducesTheFineTunedModelsLogitsAndAccuracy() throws Exception {
        Path reference = TimmResNets.reference();
        Path data = ImageFolderDatasetBuilder.in(tmp.resolve("data"))
                .classes(Pattern.HORIZONTAL_STRIPES, Pattern.VERTICAL_STRIPES, Pattern.CHECKERBOARD)
                .split("train", 16).split("test", 10).seed(8).build();
        FakeRunContext ctx = FakeRunContext.builder(tmp.resolve("run")).baseModel(reference.resolve("resnet18"))
                .dataset(data).param("epochs", 1).param("batch_size", 16).build();
        RunResult result = new ImageClassificationRecipe().run(ctx);
        assertTrue(result.completed());

        Path model = ctx.outputDir();
        JsonNode torchvision = ConfigJson.JSON.readTree(PythonReference.run("resnet_reference.py", "verify",
                model.toString(), data.resolve("test").toString()));
        assertEquals(30, torchvision.get("count").asInt());
        assertEquals(result.finalMetrics().get("test_accuracy"), torchvision.get("accuracy").asDouble(), 1e-9,
                "torchvision's accuracy on the test split");

        ImageFolderDataset dataset = ImageFolderDataset.open(data, 42);
        double maxDiff = 0;
        try (ResNetClassifier loaded = ResNetClassifier.load(model, Device.cpu());
                var batch = loaded.manager().newSubManager()) {
            DecodedImages test = DecodedImages.of(dataset.test(), loaded.imageSize());
            float[] logits = loaded.logits(loaded.batchInputs(batch, test, null, 0, test.size())).toFloatArray();
            int classes = loaded.numLabels();
            for (int i = 0; i < test.size(); i++) {
                Path file = dataset.test().file(i);
                JsonNode row = torchvision.get("logits").get(file.getParent().getFileName() + "/" + file.getFileName());
                for (int c = 0; c < classes; c++) {
                    maxDiff = Math.max(maxDiff, Math.abs(row.get(c).floatValue() - logits[i * classes + c]));
                }
            }
        }
        System.out.printf("ResNetSaveLoadTest: torchvision accuracy %.4f (run: %.4f), logits max abs diff %.3g%n",
                torchvision.get("accuracy").asDouble(), result.finalMetrics().get("test_accuracy"), maxDiff);
        assertTrue(maxDiff <= 1e-4, "logits max abs diff " + maxDiff);
    }
}
