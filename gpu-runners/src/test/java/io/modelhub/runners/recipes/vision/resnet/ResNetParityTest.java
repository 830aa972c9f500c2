package io.modelhub.runners.recipes.vision.resnet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import io.modelhub.runners.recipes.vision.Safetensors;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The DJL ResNet against torchvision 0.14 (the names timm uses): seeded random weights with randomised batch norm
 * statistics, torchvision's eval-mode logits for a random batch, the same batch through {@link ResNetClassifier}.
 * Then the folder is saved again and must hold the same tensors, num_batches_tracked included.
 */
class ResNetParityTest {

    @TempDir
    Path tmp;

    @ParameterizedTest
    @ValueSource(strings = {"resnet18", "resnet50"})
    void logitsMatchTorchvisionAndSavingGivesTheSameTensors(String architecture) throws Exception {
        Path reference = TimmResNets.reference();
        Map<String, Safetensors.HostTensor> io = Safetensors.read(reference.resolve(architecture + "-io.safetensors"));
        Safetensors.HostTensor input = io.get("input");
        float[] expected = io.get("logits").data();
        try (ResNetClassifier model = ResNetClassifier.load(reference.resolve(architecture), Device.cpu());
                NDManager batch = model.manager().newSubManager()) {
            assertEquals(architecture, model.config().architecture().id());
            long start = System.nanoTime();
            float[] logits = model.logits(new NDList(batch.create(input.data(), new ai.djl.ndarray.types.Shape(
                    input.shape())))).toFloatArray();
            double millis = (System.nanoTime() - start) / 1e6;
            double maxDiff = 0;
            for (int i = 0; i < expected.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(logits[i] - expected[i]));
            }
            System.out.printf("ResNetParityTest %s: logits max abs diff %.3g (%d values, DJL %.0f ms)%n", architecture,
                    maxDiff, expected.length, millis);
            assertEquals(expected.length, logits.length);
            assertTrue(maxDiff <= 1e-4, architecture + " logits max abs diff " + maxDiff);

            model.save(tmp);
        }
        Map<String, Safetensors.HostTensor> original = Safetensors.read(reference.resolve(architecture)
                .resolve(ResNetClassifier.WEIGHTS_FILE));
        Map<String, Safetensors.HostTensor> saved = Safetensors.read(tmp.resolve(ResNetClassifier.WEIGHTS_FILE));
        assertEquals(original.keySet(), saved.keySet(), "names in, names out");
        for (String name : original.keySet()) {
            assertArrayEquals(original.get(name).shape(), saved.get(name).shape(), name);
            assertArrayEquals(original.get(name).data(), saved.get(name).data(), 0f, name);
        }
        assertEquals(7f, saved.get("layer1.0.bn1.num_batches_tracked").data()[0], "inference tracks no batches");
    }
}
