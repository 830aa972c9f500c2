package io.modelhub.runners.recipes.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.modelhub.runners.recipes.Params;
import io.modelhub.runners.testing.PythonReference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The configurable modelhub-cnn: old configs unchanged, the seeds' CNN, the form's parameters, PyTorch parity. */
class CnnArchitectureTest {

    private static final List<String> DIGITS = List.of("0", "1", "2", "3", "4", "5", "6", "7", "8", "9");

    @TempDir
    Path tmp;

    /** A config.json as version 1 wrote it, byte for byte (Jackson's indented output). */
    private static final String V1_CONFIG = """
            {
              "architectures" : [ "ModelHubCnnForImageClassification" ],
              "model_type" : "modelhub-cnn",
              "image_size" : 32,
              "num_channels" : 3,
              "channels" : [ 16, 32, 64 ],
              "kernel_size" : 3,
              "image_mean" : [ 0.5, 0.5, 0.5 ],
              "image_std" : [ 0.5, 0.5, 0.5 ],
              "num_labels" : 2,
              "id2label" : {
                "0" : "a",
                "1" : "b"
              },
              "label2id" : {
                "a" : 0,
                "b" : 1
              },
              "problem_type" : "single_label_classification",
              "torch_dtype" : "float32"
            }
            """;

    /** An existing config.json parses to the original network and is written back unchanged (same blob hash). */
    @Test
    void aVersionOneConfigLoadsAsBeforeAndIsWrittenBackUnchanged() {
        CnnConfig parsed = CnnConfig.parse(V1_CONFIG);
        assertTrue(parsed.isClassic());
        assertEquals(CnnConfig.defaults(32, List.of("a", "b")), parsed);
        assertEquals(V1_CONFIG, parsed.toJson());
        assertEquals(64, parsed.featureSize());
        // the original tensors, no conv biases and no dense layers
        try (CnnModel model = CnnModel.create(parsed, 1, Device.cpu())) {
            assertEquals(17, model.tensorNames().size());
            assertFalse(model.tensorNames().stream().anyMatch(n -> n.contains("conv0.bias") || n.contains(".fc")));
        }
    }

    @Test
    void seedsCnnRoundTripsThroughConfigJson() {
        CnnConfig seeds = CnnConfig.seedsCnn(DIGITS);
        String json = seeds.toJson();
        assertTrue(json.contains("\"num_channels\" : 1") && json.contains("\"padding\" : \"valid\"")
                && json.contains("\"head\" : \"flatten\"") && json.contains("\"batch_norm\" : false"), json);
        assertEquals(seeds, CnnConfig.parse(json));
        // 28 -> conv 26 -> pool 13 -> conv 11 -> pool 5: 64 x 5 x 5 flattened features
        assertEquals(1600, seeds.featureSize());
        CnnConfig withDropout = new CnnConfig(28, 1, List.of(8), 3, true, "same", "avg", List.of(16, 8), 0.25f,
                new float[] {0.1f}, new float[] {0.3f}, DIGITS);
        assertEquals(withDropout, CnnConfig.parse(withDropout.toJson()));
    }

    @Test
    void badArchitecturesAreRefusedWithTheField() {
        String seeds = CnnConfig.seedsCnn(DIGITS).toJson();
        assertMessage("padding must be \"same\" or \"valid\"", () -> CnnConfig.parse(seeds.replace("\"valid\"", "\"full\"")));
        assertMessage("head must be \"avg\" or \"flatten\"", () -> CnnConfig.parse(seeds.replace("\"flatten\"", "\"max\"")));
        assertMessage("num_channels is 2", () -> CnnConfig.parse(seeds.replace("\"num_channels\" : 1", "\"num_channels\" : 2")));
        assertMessage("\"image_mean\" must be 1 numbers (grey)",
                () -> CnnConfig.parse(seeds.replace("\"image_mean\" : [ 0.5 ]", "\"image_mean\" : [ 0.5, 0.5, 0.5 ]")));
        assertMessage("feature map shrinks below one pixel", () -> new CnnConfig(8, 1, List.of(8, 8, 8), 3, false,
                "valid", "flatten", List.of(), 0f, new float[] {0.5f}, new float[] {0.5f}, DIGITS));
        assertMessage("dropout must be between 0 and 0.9", () -> new CnnConfig(28, 1, List.of(8), 3, false,
                "valid", "flatten", List.of(), 0.95f, new float[] {0.5f}, new float[] {0.5f}, DIGITS));
    }

    @Test
    void formParametersBuildTheSeedsCnnAndRefuseBadLists() {
        ImagePretrainingRecipe recipe = new ImagePretrainingRecipe();
        Map<String, Object> values = new HashMap<>(SeedsCnnMnistTest.SEEDS_CNN);
        assertEquals(CnnConfig.seedsCnn(DIGITS),
                ImagePretrainingRecipe.config(Params.of(recipe.parameters(), values), DIGITS));
        // version 1's parameters (image_size only) still mean version 1's network
        assertEquals(CnnConfig.defaults(40, DIGITS), ImagePretrainingRecipe.config(
                Params.of(recipe.parameters(), Map.of("image_size", 40)), DIGITS));

        values.put("conv_channels", "32,,64");
        assertMessage("Parameter 'conv_channels' must be whole numbers separated by commas, e.g. \"32,64\", got '32,,64'",
                () -> ImagePretrainingRecipe.config(Params.of(recipe.parameters(), values), DIGITS));
        values.put("conv_channels", " ");
        assertMessage("Parameter 'conv_channels' needs at least one number",
                () -> ImagePretrainingRecipe.config(Params.of(recipe.parameters(), values), DIGITS));
        values.put("conv_channels", "32,64");
        values.put("hidden_sizes", "64x");
        assertMessage("Parameter 'hidden_sizes' must be whole numbers",
                () -> ImagePretrainingRecipe.config(Params.of(recipe.parameters(), values), DIGITS));
        values.put("hidden_sizes", List.of(64, 0));
        assertMessage("Parameter 'hidden_sizes' has 0; each number must be between 1 and 8192",
                () -> ImagePretrainingRecipe.config(Params.of(recipe.parameters(), values), DIGITS));
        values.put("hidden_sizes", List.of(64));
        assertEquals(CnnConfig.seedsCnn(DIGITS), ImagePretrainingRecipe.config(
                Params.of(recipe.parameters(), values), DIGITS), "a JSON list means what the same text means");
        values.put("hidden_sizes", "64");
        values.put("image_size", 8);
        assertMessage("The architecture parameters do not make a network: image_size 8 is too small",
                () -> ImagePretrainingRecipe.config(Params.of(recipe.parameters(), values), DIGITS));
    }

    @Test
    void greyBatchesUsePillowLuma() {
        assertEquals(76, ImageBatch.luma(255, 0, 0));
        assertEquals(124, ImageBatch.luma(10, 200, 30));
        assertEquals(118, ImageBatch.luma(100, 101, 250));
        for (int v = 0; v < 256; v++) {
            assertEquals(v, ImageBatch.luma(v, v, v));
        }
    }

    /** Fine-tuning a seeds' CNN keeps its whole backbone, dense layer included, and seeds only the new head. */
    @Test
    void newHeadOnTheSeedsCnnKeepsConvAndDenseLayers() throws Exception {
        Path base = tmp.resolve("base");
        Files.createDirectories(base);
        try (CnnModel model = CnnModel.create(CnnConfig.seedsCnn(DIGITS), 5, Device.cpu())) {
            model.save(base);
        }
        Map<String, Safetensors.HostTensor> saved = Safetensors.read(base.resolve(CnnModel.WEIGHTS_FILE));
        try (CnnModel tuned = CnnModel.withNewHead(base, List.of("even", "odd"), 9, Device.cpu())) {
            assertEquals(CnnConfig.seedsCnn(List.of("even", "odd")), tuned.config());
            for (String name : List.of("backbone.conv0.bias", "backbone.conv1.weight", "backbone.fc0.weight")) {
                assertArrayEquals(saved.get(name).data(),
                        tuned.block().namedParameters().get(name).getArray().toFloatArray(), name);
            }
            assertArrayEquals(new long[] {2, 64},
                    tuned.block().namedParameters().get("classifier.weight").getArray().getShape().getShape());
        }
    }

    /** PyTorch's seeds' CNN, saved under the hub's names, loads and gives PyTorch's logits. */
    @Test
    void seedsCnnMatchesPyTorchOnItsWeights() throws Exception {
        PythonReference.require("torch");
        Path dir = tmp.resolve("parity");
        PythonReference.run("seeds_cnn_reference.py", "--parity", dir.toString());
        CnnConfig.seedsCnn(DIGITS).write(dir.resolve(CnnModel.CONFIG_FILE));
        Safetensors.HostTensor input = Safetensors.read(dir.resolve("input.safetensors")).get("pixel_values");
        Safetensors.HostTensor expected = Safetensors.read(dir.resolve("logits.safetensors")).get("logits");
        try (CnnModel model = CnnModel.load(dir, Device.cpu()); NDManager manager = model.manager().newSubManager()) {
            NDArray x = manager.create(input.data(), new Shape(input.shape()));
            float[] logits = model.logits(x).toFloatArray();
            assertArrayEquals(new long[] {4, 10}, expected.shape());
            for (int i = 0; i < logits.length; i++) {
                assertEquals(expected.data()[i], logits[i], 1e-4, "logit " + i);
            }
            // and back: the saved file has exactly PyTorch's tensor names
            Path saved = tmp.resolve("saved");
            Files.createDirectories(saved);
            model.save(saved);
            assertEquals(Safetensors.read(dir.resolve(CnnModel.WEIGHTS_FILE)).keySet(),
                    Safetensors.read(saved.resolve(CnnModel.WEIGHTS_FILE)).keySet());
        }
    }

    private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable executable) {
        RuntimeException e = assertThrows(RuntimeException.class, executable);
        assertTrue(e.getMessage().contains(fragment), "expected \"" + fragment + "\" in: " + e.getMessage());
    }
}
