package io.modelhub.storage.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class ModelConfigTest {

    @Test
    void readsTheIndexedFields() throws InspectionException {
        ModelConfig config = ModelConfig.parse(utf8("""
                {"architectures": ["BertForMaskedLM"], "model_type": "bert", "hidden_size": 768,
                 "id2label": {"0": "NEGATIVE"}}
                """));

        assertEquals(List.of("BertForMaskedLM"), config.architectures());
        assertEquals("bert", config.modelType());
        assertEquals(768, config.raw().get("hidden_size"));
    }

    @Test
    void aTimmConfigIsModelTypeTimmWithItsArchitecture() throws InspectionException {
        ModelConfig config = ModelConfig.parse(utf8("""
                {"architecture": "resnet50", "num_classes": 1000, "num_features": 2048,
                 "pretrained_cfg": {"input_size": [3, 224, 224], "mean": [0.485, 0.456, 0.406]}}
                """));

        assertEquals(ModelConfig.TIMM, config.modelType());
        assertEquals(List.of("resnet50"), config.architectures());
        assertNull(ModelConfig.parse(utf8("{\"architecture\": \"resnet50\"}")).modelType(),
                "an architecture alone does not make a timm config");
        assertEquals("vit", ModelConfig.parse(utf8("{\"model_type\": \"vit\", \"architecture\": \"x\", "
                + "\"num_classes\": 3}")).modelType(), "model_type wins");
    }

    @Test
    void fieldsMayBeMissing() throws InspectionException {
        ModelConfig config = ModelConfig.parse(utf8("{}"));

        assertEquals(List.of(), config.architectures());
        assertNull(config.modelType());
    }

    @Test
    void rejectsWhatIsNotAConfig() {
        assertTrue(message(utf8("{\"model_type\": ")).startsWith("config.json is not valid JSON: "));
        assertEquals("config.json must be a JSON object, not an array", message(utf8("[]")));
        assertTrue(message(utf8("{\"architectures\": [1]}")).contains("must be strings"));
        byte[] huge = new byte[ModelConfig.MAX_SIZE + 1];
        Arrays.fill(huge, (byte) ' ');
        assertTrue(message(huge).contains("4 MiB"));
    }

    private static String message(byte[] json) {
        return assertThrows(InspectionException.class, () -> ModelConfig.parse(json)).getMessage();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
