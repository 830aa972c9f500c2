package io.modelhub.runners.recipes.vision.vit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.testing.PythonReference;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The DJL ViT against torchvision 0.14's VisionTransformer: vit_reference.py writes a seeded random torchvision
 * model under transformers' names (the mapping is in the script and docs/vit.md), an input batch, torchvision's
 * logits and its last hidden state; the Java model loads the folder by name and must reproduce both.
 */
class ViTParityTest {

    @TempDir
    Path tmp;

    @Test
    void logitsAndLastHiddenStateMatchTorchvision() throws Exception {
        PythonReference.require("torch", "torchvision", "numpy");
        PythonReference.run("vit_reference.py", "generate", tmp.toString());
        Map<String, Safetensors.HostTensor> reference = Safetensors.read(tmp.resolve("reference.safetensors"));
        Safetensors.HostTensor pixels = reference.get("pixel_values");

        try (ViTModel classifier = ViTModel.load(tmp.resolve("model"), Device.cpu());
                NDManager manager = classifier.manager().newSubManager()) {
            assertEquals(ViTConfig.Task.IMAGE_CLASSIFICATION, classifier.block().task());
            assertEquals(List.of("cat", "dog", "bird"), classifier.config().labels());
            NDList input = new NDList(manager.create(pixels.data(), new ai.djl.ndarray.types.Shape(pixels.shape())));
            float[] logits = classifier.forward(input).singletonOrThrow().toFloatArray();
            double diff = maxAbsDiff(reference.get("logits").data(), logits);
            System.out.printf("ViTParityTest: logits max abs diff %.3g (4 x 3)%n", diff);
            assertTrue(diff <= 1e-4, "logits max abs diff " + diff);
        }

        // the same checkpoint as a ViTModel: the encoder read from under "vit.", the classifier dropped
        try (ViTModel encoder = ViTModel.loadEncoder(tmp.resolve("model"), Device.cpu());
                NDManager manager = encoder.manager().newSubManager()) {
            assertEquals(ViTConfig.Task.ENCODER, encoder.block().task());
            NDList input = new NDList(manager.create(pixels.data(), new ai.djl.ndarray.types.Shape(pixels.shape())));
            NDList out = encoder.forward(input);
            assertEquals(1, out.size(), "a ViTForImageClassification checkpoint has no pooler");
            Safetensors.HostTensor expected = reference.get("last_hidden_state");
            assertArrayEquals(expected.shape(), out.head().getShape().getShape());
            double diff = maxAbsDiff(expected.data(), out.head().toFloatArray());
            System.out.printf("ViTParityTest: last_hidden_state max abs diff %.3g (4 x 17 x 64)%n", diff);
            assertTrue(diff <= 1e-4, "last_hidden_state max abs diff " + diff);
        }
    }

    static double maxAbsDiff(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        double worst = 0;
        for (int i = 0; i < expected.length; i++) {
            worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        }
        return worst;
    }
}
