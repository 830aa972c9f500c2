package io.modelhub.runners.recipes.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import io.modelhub.runners.recipes.data.DecodedImages;
import io.modelhub.runners.recipes.data.ImageFolderDataset;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CnnModelTest {

    private static final List<String> LABELS = List.of("a", "b", "c");

    @TempDir
    Path tmp;

    @Test
    void tensorNamesAreStableAndPyTorchStyle() {
        try (CnnModel model = CnnModel.create(CnnConfig.defaults(32, LABELS), 1, Device.cpu())) {
            List<String> expected = new java.util.ArrayList<>();
            for (int i = 0; i < 3; i++) {
                expected.add("backbone.bn" + i + ".bias");
                expected.add("backbone.bn" + i + ".running_mean");
                expected.add("backbone.bn" + i + ".running_var");
                expected.add("backbone.bn" + i + ".weight");
                expected.add("backbone.conv" + i + ".weight");
            }
            expected.add("classifier.bias");
            expected.add("classifier.weight");
            assertEquals(expected.stream().sorted().toList(), model.tensorNames());
            assertArrayEquals(new long[] {16, 3, 3, 3},
                    model.block().namedParameters().get("backbone.conv0.weight").getArray().getShape().getShape());
            assertArrayEquals(new long[] {3, 64},
                    model.block().namedParameters().get("classifier.weight").getArray().getShape().getShape());
        }
    }

    @Test
    void savedThenLoadedGivesBitIdenticalOutputs() throws Exception {
        DecodedImages images = images(tmp.resolve("data"));
        Path saved = tmp.resolve("saved");
        float[] before;
        try (CnnModel model = CnnModel.create(CnnConfig.defaults(32, LABELS), 7, Device.cpu())) {
            // a few steps so that weights and batch norm running statistics are no longer their initial values
            train(model, images, 3);
            before = logits(model, images);
            model.save(saved);
        }
        try (CnnModel loaded = CnnModel.load(saved, Device.cpu())) {
            assertArrayEquals(before, logits(loaded, images), 0f);
        }
        // the file itself has every tensor under its name, whatever order the codec wrote them in
        Map<String, Safetensors.HostTensor> tensors = Safetensors.read(saved.resolve(CnnModel.WEIGHTS_FILE));
        assertEquals(17, tensors.size());
        assertFalse(allEqual(tensors.get("backbone.bn0.running_mean").data(), 0f), "running stats not saved");
    }

    @Test
    void sameSeedSameInitialWeightsOtherSeedOthers() throws Exception {
        CnnConfig config = CnnConfig.defaults(32, LABELS);
        for (String name : List.of("one", "two")) {
            try (CnnModel model = CnnModel.create(config, 42, Device.cpu())) {
                model.save(tmp.resolve(name));
            }
        }
        try (CnnModel model = CnnModel.create(config, 43, Device.cpu())) {
            model.save(tmp.resolve("other"));
        }
        byte[] one = Files.readAllBytes(tmp.resolve("one").resolve(CnnModel.WEIGHTS_FILE));
        assertArrayEquals(one, Files.readAllBytes(tmp.resolve("two").resolve(CnnModel.WEIGHTS_FILE)));
        assertFalse(java.util.Arrays.equals(one, Files.readAllBytes(tmp.resolve("other").resolve(CnnModel.WEIGHTS_FILE))));
        assertEquals(Files.readString(tmp.resolve("one").resolve(CnnModel.CONFIG_FILE)),
                Files.readString(tmp.resolve("two").resolve(CnnModel.CONFIG_FILE)));
    }

    @Test
    void newHeadKeepsTheBackboneAndFitsTheNewLabels() throws Exception {
        Path base = PretrainedCnn.modelDir();
        Map<String, Safetensors.HostTensor> baseTensors = Safetensors.read(base.resolve(CnnModel.WEIGHTS_FILE));
        try (CnnModel model = CnnModel.withNewHead(base, List.of("x", "y"), 3, Device.cpu())) {
            model.save(tmp.resolve("new-head"));
            assertEquals(List.of("x", "y"), model.config().labels());
        }
        Map<String, Safetensors.HostTensor> tensors = Safetensors.read(tmp.resolve("new-head").resolve(CnnModel.WEIGHTS_FILE));
        for (String name : baseTensors.keySet()) {
            if (name.startsWith("backbone.")) {
                assertArrayEquals(baseTensors.get(name).data(), tensors.get(name).data(), 0f, name);
            }
        }
        assertArrayEquals(new long[] {2, 64}, tensors.get("classifier.weight").shape());
        assertTrue(allEqual(tensors.get("classifier.bias").data(), 0f));
    }

    @Test
    void weightsThatDoNotMatchTheConfigAreRejectedWithTheirNames() throws Exception {
        Path dir = tmp.resolve("model");
        try (CnnModel model = CnnModel.create(CnnConfig.defaults(32, LABELS), 1, Device.cpu())) {
            model.save(dir);
        }
        // claim a fourth stage that the file has no weights for
        String json = Files.readString(dir.resolve(CnnModel.CONFIG_FILE)).replace("64 ]", "64, 128 ]")
                .replaceAll("\\[\\s*16,\\s*32,\\s*64\\s*\\]", "[16, 32, 64, 128]");
        Files.writeString(dir.resolve(CnnModel.CONFIG_FILE), json);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> CnnModel.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("missing tensors: [backbone.bn3.bias"), e.getMessage());
    }

    @Test
    void configRoundTripsAndRejectsOtherModelTypes() {
        CnnConfig config = new CnnConfig(48, List.of(8, 16), 5, new float[] {0.4f, 0.5f, 0.6f},
                new float[] {0.2f, 0.25f, 0.3f}, List.of("cat", "dog"));
        assertEquals(config, CnnConfig.parse(config.toJson()));
        assertTrue(config.toJson().contains("\"id2label\" : {\n    \"0\" : \"cat\""), config.toJson());
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> CnnConfig.parse("{\"model_type\":\"vit\",\"image_size\":224}"));
        assertTrue(e.getMessage().contains("\"vit\""), e.getMessage());
        assertNotEquals(config, config.withLabels(List.of("cat", "dog", "bird")));
    }

    private static DecodedImages images(Path root) throws Exception {
        ImageFolderDatasetBuilder.in(root).classes(Pattern.DISC, Pattern.CROSS, Pattern.RING)
                .split("train", 8).build();
        return DecodedImages.of(ImageFolderDataset.open(root, 1).train(), 32);
    }

    private static void train(CnnModel model, DecodedImages images, int steps) {
        try (Trainer trainer = model.newTrainer(1e-2f)) {
            for (int s = 0; s < steps; s++) {
                try (NDManager batch = trainer.getManager().newSubManager()) {
                    NDArray x = model.batchTensor(batch, images, null, 0, images.size());
                    NDArray y = CnnModel.labelTensor(batch, images, null, 0, images.size());
                    try (GradientCollector collector = trainer.newGradientCollector()) {
                        NDArray logits = trainer.forward(new NDList(x)).singletonOrThrow();
                        collector.backward(trainer.getLoss().evaluate(new NDList(y), new NDList(logits)));
                    }
                    trainer.step();
                }
            }
        }
    }

    private static float[] logits(CnnModel model, DecodedImages images) {
        try (NDManager batch = model.manager().newSubManager()) {
            return model.logits(model.batchTensor(batch, images, null, 0, images.size())).toFloatArray();
        }
    }

    private static boolean allEqual(float[] values, float value) {
        for (float v : values) {
            if (v != value) {
                return false;
            }
        }
        return true;
    }
}
