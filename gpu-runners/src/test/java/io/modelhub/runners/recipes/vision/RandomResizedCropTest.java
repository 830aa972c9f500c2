package io.modelhub.runners.recipes.vision;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class RandomResizedCropTest {

    private static final int SIZE = 8;

    /** Pixel (x, y) has red = x, green = y, blue = 100 + x + 8 y: every pixel tells where it came from. */
    private static byte[] ramp() {
        byte[] rgb = new byte[SIZE * SIZE * 3];
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                int o = (y * SIZE + x) * 3;
                rgb[o] = (byte) x;
                rgb[o + 1] = (byte) y;
                rgb[o + 2] = (byte) (100 + x + 8 * y);
            }
        }
        return rgb;
    }

    @Test
    void theWholeImageAtRatioOneIsTheImageAndTheFlipMirrorsIt() {
        byte[] image = ramp();
        // area share 1, log-ratio 0, no offset room, no flip
        assertArrayEquals(image, RandomResizedCrop.DEFAULT.apply(image, SIZE, new float[] {1f, 0.5f, 0f, 0f, 0.9f}, 0));
        byte[] mirrored = RandomResizedCrop.DEFAULT.apply(image, SIZE, new float[] {1f, 0.5f, 0f, 0f, 0.1f}, 0);
        for (int y = 0; y < SIZE; y++) {
            for (int x = 0; x < SIZE; x++) {
                assertEquals(SIZE - 1 - x, mirrored[(y * SIZE + x) * 3], "red at " + x + "," + y);
                assertEquals(y, mirrored[(y * SIZE + x) * 3 + 1]);
            }
        }
        // withoutFlip ignores the flip draw
        assertArrayEquals(image, RandomResizedCrop.DEFAULT.withoutFlip().apply(image, SIZE,
                new float[] {1f, 0.5f, 0f, 0f, 0.1f}, 0));
    }

    @Test
    void theSmallestCropZoomsIntoTheCornerTheOffsetsPick() {
        byte[] image = ramp();
        // 35% of the area at ratio 1: a 4.73 px square, top left or bottom right
        byte[] topLeft = RandomResizedCrop.DEFAULT.apply(image, SIZE, new float[] {0f, 0.5f, 0f, 0f, 0.9f}, 0);
        byte[] bottomRight = RandomResizedCrop.DEFAULT.apply(image, SIZE, new float[] {0f, 0.5f, 0.999f, 0.999f, 0.9f}, 0);
        int maxTopLeft = 0;
        int minBottomRight = 255;
        for (int p = 0; p < SIZE * SIZE; p++) {
            maxTopLeft = Math.max(maxTopLeft, topLeft[p * 3]);
            minBottomRight = Math.min(minBottomRight, bottomRight[p * 3]);
        }
        // pixel centres of a 4.73 px crop sampled at 8 outputs: the last lands at x = 3.94
        assertEquals(4, maxTopLeft, "x stays within the crop [0, 4.73)");
        assertEquals(3, minBottomRight, "the crop starts at x = 3.26; its first sample at 3.06");
        assertFalse(Arrays.equals(topLeft, bottomRight));
        // draws are read at the image's offset in a batch's array
        float[] batch = {0.3f, 0.3f, 0.3f, 0.3f, 0.3f, 0f, 0.5f, 0f, 0f, 0.9f};
        assertArrayEquals(topLeft, RandomResizedCrop.DEFAULT.apply(image, SIZE, batch, 5));
    }

    @Test
    void boundsAreChecked() {
        assertThrows(IllegalArgumentException.class, () -> new RandomResizedCrop(0, 4.0 / 3, true));
        assertThrows(IllegalArgumentException.class, () -> new RandomResizedCrop(0.5, 0.9, true));
    }
}
