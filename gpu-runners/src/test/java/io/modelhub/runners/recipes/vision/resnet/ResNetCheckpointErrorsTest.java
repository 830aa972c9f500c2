package io.modelhub.runners.recipes.vision.resnet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.runners.recipes.vision.Safetensors;
import io.modelhub.storage.inspect.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoints and configs that do not fit are refused at load, with the tensor or field named. */
class ResNetCheckpointErrorsTest {

    @TempDir
    static Path shared;
    static Path good;

    @TempDir
    Path tmp;

    @BeforeAll
    static void model() {
        good = TimmResNets.random(shared.resolve("good"), "resnet18", List.of("a", "b", "c"), 32, 5);
    }

    @Test
    void aGoodFolderLoadsWithItsLabels() throws Exception {
        try (ResNetClassifier model = ResNetClassifier.load(good, Device.cpu())) {
            assertEquals(List.of("a", "b", "c"), model.labels());
            assertEquals(32, model.imageSize());
            // torchvision's state dict minus the 20 num_batches_tracked
            assertEquals(102, model.block().namedParameters().size());
        }
    }

    @Test
    void aMissingTensorIsNamed() throws Exception {
        Path dir = rewritten("missing", java.util.Collections.singletonMap("layer3.1.bn2.running_var", null));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ResNetClassifier.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("missing tensors: [layer3.1.bn2.running_var]"), e.getMessage());
    }

    @Test
    void aMisshapenTensorIsNamedWithBothShapes() throws Exception {
        Path dir = rewritten("shape", Map.of("layer2.0.conv1.weight", new long[] {128, 64, 1, 1}));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ResNetClassifier.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("layer2.0.conv1.weight has shape [128, 64, 1, 1] but config.json implies "
                + "[128, 64, 3, 3]"), e.getMessage());
    }

    @Test
    void anUnexpectedTensorAndAWrongArchitectureAreNamed() throws Exception {
        Path dir = rewritten("extra", Map.of("layer1.0.conv3.weight", new long[] {64, 64, 1, 1}));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ResNetClassifier.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("unexpected tensors: [layer1.0.conv3.weight]"), e.getMessage());
        assertTrue(e.getMessage().contains("is config.json's architecture right?"), e.getMessage());

        Path as50 = Files.createDirectories(tmp.resolve("as50"));
        Files.copy(good.resolve(ResNetClassifier.WEIGHTS_FILE), as50.resolve(ResNetClassifier.WEIGHTS_FILE));
        Files.writeString(as50.resolve("config.json"), Files.readString(good.resolve("config.json"))
                .replace("\"resnet18\"", "\"resnet50\"").replace("512", "2048"));
        InvalidModelException wrong = assertThrows(InvalidModelException.class,
                () -> ResNetClassifier.load(as50, Device.cpu()));
        assertTrue(wrong.getMessage().contains("BasicBlock ResNet (resnet18/34)"), wrong.getMessage());
    }

    @Test
    void fcOfAnotherSizeIsAnErrorWhenKeptButIgnoredUnderANewHead() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("classes"));
        Files.copy(good.resolve(ResNetClassifier.WEIGHTS_FILE), dir.resolve(ResNetClassifier.WEIGHTS_FILE));
        Files.writeString(dir.resolve("config.json"), Files.readString(good.resolve("config.json"))
                .replace("\"num_classes\" : 3", "\"num_classes\" : 2").replace("\"c\" ]", "]")
                .replace("\"b\",", "\"b\""));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ResNetClassifier.load(dir, Device.cpu()));
        assertTrue(e.getMessage().contains("fc.weight has shape [3, 512] but config.json implies [2, 512]"),
                e.getMessage());
        try (ResNetClassifier tuned = ResNetClassifier.withNewHead(dir, List.of("x", "y", "z", "w"), 1, Device.cpu())) {
            assertEquals(4, tuned.numLabels());
        }
    }

    @Test
    void badConfigFieldsAreNamed() throws Exception {
        assertConfigError("{\"architecture\": \"resnet26d\", \"num_classes\": 3}", "architecture \"resnet26d\"");
        assertConfigError("{\"architecture\": \"vit_base_patch16_224\", \"pretrained_cfg\": {}}",
                "supported timm ResNets are [resnet18, resnet34, resnet50, resnet101, resnet152]");
        assertConfigError("{\"architecture\": \"resnet18\", \"num_classes\": 2, \"label_names\": [\"a\"]}",
                "num_classes 2 but label_names has 1 names");
        assertConfigError("{\"architecture\": \"resnet18\", \"num_classes\": 2, \"global_pool\": \"max\"}",
                "global_pool \"max\"");
        assertConfigError("{\"architecture\": \"resnet50\", \"num_classes\": 2, \"num_features\": 512}",
                "num_features 512 but a resnet50 has 2048");
        assertConfigError("{\"architecture\": \"resnet18\", \"num_classes\": 2, \"pretrained_cfg\": {\"input_size\": "
                + "[3, 224, 160]}}", "input_size must be [3, size, size]");
        assertConfigError("{\"architecture\": \"resnet18\", \"num_classes\": 2, \"model_args\": {\"stem_type\": "
                + "\"deep\"}}", "model_args [stem_type]");
        assertConfigError("{\"model_type\": \"vit\"}", "not a timm config");
        // the pretrained tag after the dot names the same network
        assertEquals(TimmResNetConfig.Architecture.RESNET50,
                TimmResNetConfig.parse("{\"architecture\": \"resnet50.a1_in1k\", \"num_classes\": 0}").architecture());
    }

    @Test
    void writingKeepsFieldsItDoesNotOwn() {
        TimmResNetConfig config = TimmResNetConfig.parse("{\"architecture\": \"resnet34\", \"num_classes\": 1000, "
                + "\"license\": \"apache-2.0\", \"pretrained_cfg\": {\"tag\": \"tv_in1k\", \"hf_hub_id\": \"timm/x\", "
                + "\"input_size\": [3, 224, 224], \"test_input_size\": [3, 288, 288], \"crop_pct\": 0.875}}")
                .withLabels(List.of("cat", "dog")).withImageSize(64);
        TimmResNetConfig again = TimmResNetConfig.parse(config.toJson());
        assertEquals(config, again);
        assertEquals(List.of("cat", "dog"), again.labels());
        assertTrue(config.toJson().contains("\"license\" : \"apache-2.0\""), config.toJson());
        assertTrue(config.toJson().contains("\"hf_hub_id\" : \"timm/x\""), config.toJson());
        assertTrue(config.toJson().contains("\"input_size\" : [ 3, 64, 64 ]"), config.toJson());
        assertTrue(!config.toJson().contains("test_input_size"), config.toJson());
    }

    private static void assertConfigError(String json, String expected) {
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> TimmResNetConfig.parse(json));
        assertTrue(e.getMessage().contains(expected), e.getMessage());
    }

    /** The good folder with tensors removed (null) or replaced by zeros of another shape. */
    private Path rewritten(String name, Map<String, long[]> changes) throws Exception {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.copy(good.resolve("config.json"), dir.resolve("config.json"));
        SafetensorsWriter writer = new SafetensorsWriter();
        for (var entry : Safetensors.read(good.resolve(ResNetClassifier.WEIGHTS_FILE)).entrySet()) {
            if (!changes.containsKey(entry.getKey())) {
                writer.putFloat32(entry.getKey(), entry.getValue().shape(), entry.getValue().data());
            }
        }
        changes.forEach((tensor, shape) -> {
            if (shape != null) {
                long n = 1;
                for (long d : shape) {
                    n *= d;
                }
                writer.putFloat32(tensor, shape, new float[(int) n]);
            }
        });
        writer.write(dir.resolve(ResNetClassifier.WEIGHTS_FILE));
        return dir;
    }
}
