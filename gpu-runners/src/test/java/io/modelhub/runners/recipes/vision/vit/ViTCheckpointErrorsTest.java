package io.modelhub.runners.recipes.vision.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import io.modelhub.storage.inspect.SafetensorsWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Every way a ViT folder can be wrong is refused at load time, with a message that names what is wrong. */
class ViTCheckpointErrorsTest {

    private static final List<String> LABELS = List.of("cat", "dog");

    @TempDir
    Path dir;

    /** Weights of a classifier of the tiny config, leaving out {@code skip} and adding {@code extra}. */
    private static SafetensorsWriter weights(ObjectNode config, String skip, String extra) {
        ViTConfig parsed = ViTConfig.parse(config.toString());
        SafetensorsWriter writer = new SafetensorsWriter();
        new ViTBlock(parsed, parsed.task(), false, parsed.labels().size()).namedParameters().forEach((n, p) -> {
            if (!n.equals(skip)) {
                writer.putFloat32(n, p.getShape().getShape(), new float[(int) p.getShape().size()]);
            }
        });
        if (extra != null) {
            writer.putFloat32(extra, new long[] {2}, new float[2]);
        }
        return writer;
    }

    @Test
    void missingTensor() throws Exception {
        ObjectNode config = TinyViT.config(LABELS);
        TinyViT.write(dir, config, TinyViT.preprocessor(),
                weights(config, "vit.encoder.layer.1.attention.attention.key.bias", null));
        assertRefused("has no tensor vit.encoder.layer.1.attention.attention.key.bias");
    }

    @Test
    void unexpectedTensor() throws Exception {
        ObjectNode config = TinyViT.config(LABELS);
        TinyViT.write(dir, config, TinyViT.preprocessor(), weights(config, null, "vit.embeddings.mask_token"));
        assertRefused("has tensors a ViTForImageClassification with this config.json does not: "
                + "[vit.embeddings.mask_token]");
    }

    @Test
    void tensorShapeDisagreesWithConfig() throws Exception {
        TinyViT.write(dir, TinyViT.config(LABELS), TinyViT.preprocessor(),
                weights(TinyViT.config(LABELS), null, null));
        ObjectNode config = TinyViT.config(LABELS);
        config.put("intermediate_size", 96);
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertRefused("tensor vit.encoder.layer.0.intermediate.dense.weight has shape [128, 64] but config.json");
        assertRefused("intermediate_size 96");
    }

    @Test
    void imageSizeThePositionsDoNotFit() throws Exception {
        TinyViT.write(dir, TinyViT.config(LABELS), TinyViT.preprocessor().put("size", 64),
                weights(TinyViT.config(LABELS), null, null));
        ObjectNode config = TinyViT.config(LABELS);
        config.put("image_size", 64);
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertRefused("tensor vit.embeddings.position_embeddings has shape [1, 17, 64] but config.json");
        assertRefused("image_size 64, patch_size 8 (65 tokens)");
    }

    @Test
    void imageNotDivisibleIntoPatches() throws Exception {
        ObjectNode config = TinyViT.config(LABELS);
        TinyViT.write(dir, config, TinyViT.preprocessor(), weights(config, null, null));
        config.put("image_size", 30);
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertRefused("image_size 30 is not divisible into patch_size 8 patches");
    }

    @Test
    void layerCountDisagreesWithWeights() throws Exception {
        ObjectNode config = TinyViT.config(LABELS);
        TinyViT.write(dir, config, TinyViT.preprocessor(), weights(config, null, null));
        config.put("num_hidden_layers", 1);
        Files.writeString(dir.resolve("config.json"), config.toString());
        assertRefused("config.json has num_hidden_layers 1 but model.safetensors holds 2 layers");
    }

    @Test
    void imageProcessorMissingOrDisagreeing() throws Exception {
        ObjectNode config = TinyViT.config(LABELS);
        TinyViT.write(dir, config, null, weights(config, null, null));
        assertRefused("model has no preprocessor_config.json");
        Files.writeString(dir.resolve("preprocessor_config.json"),
                TinyViT.preprocessor().put("size", 48).toString());
        assertRefused("preprocessor_config.json resizes images to 48 px but config.json has image_size 32");
        ObjectNode oblong = TinyViT.preprocessor();
        oblong.putObject("size").put("height", 32).put("width", 64);
        Files.writeString(dir.resolve("preprocessor_config.json"), oblong.toString());
        assertRefused("only square images are supported");
    }

    @Test
    void wrongModelTypeOrArchitecture() throws Exception {
        ObjectNode config = TinyViT.config(LABELS);
        TinyViT.write(dir, config, TinyViT.preprocessor(), weights(config, null, null));
        Files.writeString(dir.resolve("config.json"), config.deepCopy().put("model_type", "deit").toString());
        assertRefused("config.json has model_type \"deit\"");
        ObjectNode masked = config.deepCopy();
        masked.putArray("architectures").add("ViTForMaskedImageModeling");
        Files.writeString(dir.resolve("config.json"), masked.toString());
        assertRefused("supported are [ViTModel, ViTForImageClassification]");
    }

    @Test
    void aBaseModelIsNoClassifierButFineTunes() throws Exception {
        TinyViT.writeBase(dir);
        Executable load = () -> ViTClassifier.load(dir, Device.cpu()).close();
        assertTrue(assertThrows(InvalidModelException.class, load).getMessage()
                .contains("not a ViTForImageClassification; fine-tune it with a new head first"));
        try (ViTModel base = ViTModel.load(dir, Device.cpu()); NDManager manager = base.manager().newSubManager()) {
            NDList out = base.forward(new NDList(manager.ones(new Shape(2, 3, 32, 32))));
            assertEquals(2, out.size(), "a ViTModel with a pooler returns last_hidden_state and pooler_output");
            assertEquals(new Shape(2, 64), out.get(1).getShape());
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> base.forward(new NDList(manager.ones(new Shape(1, 3, 48, 48)))));
            assertTrue(e.getMessage().contains("takes (batch, 3, 32, 32)"), e.getMessage());
        }
        // the pooler is dropped, the encoder kept, the classifier new
        try (ViTClassifier tuned = ViTClassifier.withNewHead(dir, LABELS, 1, Device.cpu())) {
            assertTrue(tuned.model().namedParameters().keySet().stream().noneMatch(n -> n.contains("pooler")));
            assertEquals(2, tuned.numLabels());
        }
    }

    private void assertRefused(String expected) {
        Executable load = () -> ViTModel.load(dir, Device.cpu()).close();
        InvalidModelException e = assertThrows(InvalidModelException.class, load);
        assertTrue(e.getMessage().contains(expected), "expected \"" + expected + "\" in: " + e.getMessage());
    }
}
