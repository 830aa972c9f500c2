package io.modelhub.runners.recipes.vision;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.modelhub.runners.recipes.data.DecodedImages;

/** Decoded images as the normalised float32 NCHW batch an image model reads. */
public final class ImageBatch {

    private ImageBatch() {
    }

    /**
     * Images {@code order[from..to)} (or {@code from..to} when order is null) as (n, c, size, size) float32,
     * each channel {@code (v / 255 - mean) / std}, created in {@code manager}: c = 3 (RGB) or, when mean and std
     * have one value, 1 (grey, by {@link #luma}).
     *
     * @param augmentation null for none; else each image is augmented first with draws from the engine's
     *     generator (see {@link RandomResizedCrop})
     */
    public static NDArray tensor(NDManager manager, DecodedImages images, int[] order, int from, int to,
            float[] mean, float[] std, RandomResizedCrop augmentation) {
        int size = images.imageSize();
        int plane = size * size;
        int n = to - from;
        float[] draws = null;
        if (augmentation != null) {
            try (NDArray u = manager.randomUniform(0f, 1f, new Shape(n, RandomResizedCrop.DRAWS))) {
                draws = u.toFloatArray();
            }
        }
        int channels = mean.length;
        if (channels != 1 && channels != 3 || std.length != channels) {
            throw new IllegalArgumentException("mean and std need 1 (grey) or 3 (RGB) values each");
        }
        // one lookup per pixel instead of a division
        float[][] scale = new float[channels][256];
        for (int c = 0; c < channels; c++) {
            for (int v = 0; v < 256; v++) {
                scale[c][v] = (v / 255f - mean[c]) / std[c];
            }
        }
        float[] data = new float[n * channels * plane];
        for (int b = 0; b < n; b++) {
            int index = order == null ? from + b : order[from + b];
            byte[] rgb = images.rgb(index);
            if (augmentation != null) {
                rgb = augmentation.apply(rgb, size, draws, b * RandomResizedCrop.DRAWS);
            }
            int base = b * channels * plane;
            if (channels == 3) {
                for (int p = 0; p < plane; p++) {
                    data[base + p] = scale[0][rgb[p * 3] & 0xff];
                    data[base + plane + p] = scale[1][rgb[p * 3 + 1] & 0xff];
                    data[base + 2 * plane + p] = scale[2][rgb[p * 3 + 2] & 0xff];
                }
            } else {
                for (int p = 0; p < plane; p++) {
                    data[base + p] = scale[0][luma(rgb[p * 3] & 0xff, rgb[p * 3 + 1] & 0xff, rgb[p * 3 + 2] & 0xff)];
                }
            }
        }
        return manager.create(data, new Shape(n, channels, size, size));
    }

    /** Pillow's fixed-point luma (Convert.c L24), as PIL's convert("L"): R * 0.299 + G * 0.587 + B * 0.114, rounded. */
    public static int luma(int r, int g, int b) {
        return (r * 19595 + g * 38470 + b * 7471 + 0x8000) >> 16;
    }
}
