package io.modelhub.runners.recipes.vision.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.util.List;
import org.junit.jupiter.api.Test;

/** preprocessor_config.json's fields turn bytes into pixel values as ViTImageProcessor does. */
class ViTImageProcessorTest {

    @Test
    void rescalesThenNormalisesPerChannel() {
        ViTImageProcessor p = ViTImageProcessor.parse("{\"size\": {\"height\": 2, \"width\": 2}, "
                + "\"image_mean\": [0.485, 0.456, 0.406], \"image_std\": [0.229, 0.224, 0.225]}");
        assertEquals(2, p.size());
        float[][] table = p.lookupTable();
        assertEquals((200 / 255f - 0.485f) / 0.229f, table[0][200], 1e-6f);
        assertEquals((0 - 0.406f) / 0.225f, table[2][0], 1e-6f);
        // HWC bytes to CHW values: pixel (0, 1) of the second channel
        byte[] rgb = new byte[12];
        rgb[1 * 3 + 1] = (byte) 255;
        float[] values = ViTImageProcessor.pixelValues(table, List.of(rgb), 2);
        assertEquals((1 - 0.456f) / 0.224f, values[4 + 1], 1e-6f);
        assertEquals((0 - 0.456f) / 0.224f, values[4], 1e-6f);
    }

    @Test
    void defaultsAndSwitches() {
        ViTImageProcessor defaults = ViTImageProcessor.parse("{}");
        assertEquals(224, defaults.size());
        assertEquals(1f, defaults.lookupTable()[1][255], 1e-6f);
        assertEquals(-1f, defaults.lookupTable()[1][0], 1e-6f);
        ViTImageProcessor raw = ViTImageProcessor.parse("{\"size\": 32, \"do_rescale\": false, \"do_normalize\": false}");
        assertEquals(32, raw.size());
        assertEquals(17f, raw.lookupTable()[0][17]);
        InvalidModelException e = assertThrows(InvalidModelException.class,
                () -> ViTImageProcessor.parse("{\"image_std\": [0.5, 0, 0.5]}"));
        assertTrue(e.getMessage().contains("image_std"), e.getMessage());
        e = assertThrows(InvalidModelException.class, () -> ViTImageProcessor.parse("{\"image_mean\": [0.5, 0.5]}"));
        assertTrue(e.getMessage().contains("one value per RGB channel"), e.getMessage());
    }
}
