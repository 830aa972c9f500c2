package io.modelhub.runners.recipes.vision.vit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.runners.testing.PythonReference;
import io.modelhub.storage.inspect.SafetensorsWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Java side saves is a transformers ViTForImageClassification folder: after a fine-tuning step under a new
 * head, the saved folder reloads to the same logits in Java, and vit_reference.py maps it back into torchvision's
 * VisionTransformer (strictly: every tensor used, none missing) and reproduces the Java logits.
 */
class ViTSaveLoadTest {

    @TempDir
    Path tmp;

    @Test
    void savedFolderReloadsAndRunsInTorchvision() throws Exception {
        PythonReference.require("torch", "torchvision", "numpy");
        PythonReference.run("vit_reference.py", "generate", tmp.toString());
        Safetensors.HostTensor pixels = Safetensors.read(tmp.resolve("reference.safetensors")).get("pixel_values");
        List<String> labels = List.of("ant", "bee", "cow", "doe");
        Path saved = tmp.resolve("saved");
        float[] logits;
        try (ViTClassifier classifier = ViTClassifier.withNewHead(tmp.resolve("model"), labels, 11, Device.cpu())) {
            assertEquals(4, classifier.numLabels());
            float[] before;
            try (NDManager manager = classifier.manager().newSubManager()) {
                before = classifier.logits(new NDList(manager.create(pixels.data(), new Shape(pixels.shape()))))
                        .toFloatArray();
            }
            // one AdamW step, so that every saved tensor differs from the base checkpoint's
            try (Trainer trainer = classifier.newTrainer(1e-3f); NDManager batch = trainer.getManager().newSubManager()) {
                NDArray x = batch.create(pixels.data(), new Shape(pixels.shape()));
                NDArray y = batch.create(new long[] {0, 1, 2, 3});
                try (GradientCollector collector = trainer.newGradientCollector()) {
                    NDArray loss = trainer.getLoss().evaluate(new NDList(y), trainer.forward(new NDList(x)));
                    collector.backward(loss);
                }
                trainer.step();
            }
            try (NDManager manager = classifier.manager().newSubManager()) {
                logits = classifier.logits(new NDList(manager.create(pixels.data(), new Shape(pixels.shape()))))
                        .toFloatArray();
            }
            assertTrue(ViTParityTest.maxAbsDiff(before, logits) > 1e-4, "the training step changed the model");
            classifier.save(saved);
        }

        JsonNode config = ConfigJson.JSON.readTree(saved.resolve("config.json").toFile());
        assertEquals("ViTForImageClassification", config.path("architectures").get(0).asText());
        assertEquals("doe", config.path("id2label").path("3").asText());
        assertEquals(3, config.path("label2id").path("doe").asInt());
        assertEquals("4.46.0", config.path("transformers_version").asText(), "fields a fine-tune does not change stay");
        assertEquals(ConfigJson.JSON.readTree(tmp.resolve("model/preprocessor_config.json").toFile()),
                ConfigJson.JSON.readTree(saved.resolve("preprocessor_config.json").toFile()));
        Map<String, Safetensors.HostTensor> tensors = Safetensors.read(saved.resolve("model.safetensors"));
        assertArrayEquals(new long[] {4, 64}, tensors.get("classifier.weight").shape());
        assertTrue(tensors.containsKey("vit.encoder.layer.1.attention.attention.value.bias"));

        try (ViTClassifier reloaded = ViTClassifier.load(saved, Device.cpu());
                NDManager manager = reloaded.manager().newSubManager()) {
            float[] again = reloaded.logits(new NDList(manager.create(pixels.data(), new Shape(pixels.shape()))))
                    .toFloatArray();
            assertArrayEquals(logits, again, "reloading changes nothing");
        }

        Path io = tmp.resolve("io.safetensors");
        new SafetensorsWriter().putFloat32("pixel_values", pixels.shape(), pixels.data())
                .putFloat32("logits", new long[] {pixels.shape()[0], 4}, logits).write(io);
        String output = PythonReference.run("vit_reference.py", "verify", saved.toString(), io.toString());
        assertTrue(output.contains("labels ant,bee,cow,doe"), output);
        Matcher m = Pattern.compile("max_abs_diff (\\S+)").matcher(output);
        assertTrue(m.find(), output);
        double diff = Double.parseDouble(m.group(1));
        System.out.printf("ViTSaveLoadTest: torchvision on the Java-saved folder, logits max abs diff %.3g%n", diff);
        assertTrue(diff <= 1e-4, output);
    }
}
