package io.modelhub.runners.recipes.vision.vit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * preprocessor_config.json of a ViT (transformers' ViTImageProcessor, or the older ViTFeatureExtractor whose size
 * is a plain number), with ViTImageProcessor's defaults for what it leaves out: do_resize true, size 224 x 224,
 * resample 2 (bilinear), do_rescale true, rescale_factor 1/255, do_normalize true, image_mean and image_std 0.5.
 * <p>
 * Images are always resized to the square size with the platform's bilinear resize
 * ({@link io.modelhub.runners.recipes.data.DecodedImages}), whatever resample says; then each byte becomes
 * {@code (v * rescale_factor - mean) / std} (rescaling and normalising only where the file says so). The original
 * JSON is kept and written back unchanged.
 */
public record ViTImageProcessor(int size, boolean doRescale, float rescaleFactor, boolean doNormalize, float[] mean,
        float[] std, ObjectNode json) {

    public static final String FILE = "preprocessor_config.json";

    /** The model folder's preprocessor_config.json; a ViT without one cannot be fed images the way it was trained. */
    public static ViTImageProcessor read(Path dir) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException("model has no " + FILE + " (looked for " + file + "); a ViT needs its "
                    + "image processor's size, image_mean and image_std");
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    public static ViTImageProcessor parse(String text) {
        JsonNode root;
        try {
            root = ConfigJson.JSON.readTree(text);
        } catch (IOException e) {
            throw new InvalidModelException(FILE + " is not valid JSON: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidModelException(FILE + " must be a JSON object");
        }
        return of((ObjectNode) root);
    }

    public static ViTImageProcessor of(ObjectNode root) {
        int size = size(root.path("size"));
        float[] mean = triple(root, "image_mean");
        float[] std = triple(root, "image_std");
        for (float s : std) {
            if (!(s > 0)) {
                throw new InvalidModelException(FILE + " has image_std " + java.util.Arrays.toString(std)
                        + "; every channel's std must be positive");
            }
        }
        return new ViTImageProcessor(size, root.path("do_rescale").asBoolean(true),
                (float) root.path("rescale_factor").asDouble(1 / 255.0), root.path("do_normalize").asBoolean(true),
                mean, std, root);
    }

    private static int size(JsonNode size) {
        if (size.isMissingNode() || size.isNull()) {
            return 224;
        }
        if (size.canConvertToExactIntegral()) {
            return size.asInt();
        }
        if (size.isObject() && size.has("height") && size.has("width")) {
            int height = size.path("height").asInt();
            int width = size.path("width").asInt();
            if (height != width) {
                throw new InvalidModelException(FILE + " has size " + size + "; only square images are supported");
            }
            return height;
        }
        throw new InvalidModelException(FILE + " has size " + size + "; a ViT image processor's size is "
                + "{\"height\": H, \"width\": W}");
    }

    private static float[] triple(JsonNode root, String field) {
        JsonNode node = root.path(field);
        if (node.isMissingNode() || node.isNull()) {
            return new float[] {0.5f, 0.5f, 0.5f};
        }
        if (node.isNumber()) {
            float v = (float) node.asDouble();
            return new float[] {v, v, v};
        }
        if (!node.isArray() || node.size() != 3) {
            throw new InvalidModelException(FILE + " has " + field + " " + node + "; it needs one value per RGB channel");
        }
        return new float[] {(float) node.get(0).asDouble(), (float) node.get(1).asDouble(),
                (float) node.get(2).asDouble()};
    }

    /** The model input of each byte value of each channel: [channel][0..255]. */
    public float[][] lookupTable() {
        float[][] table = new float[3][256];
        for (int c = 0; c < 3; c++) {
            for (int v = 0; v < 256; v++) {
                float x = doRescale ? v * rescaleFactor : v;
                table[c][v] = doNormalize ? (x - mean[c]) / std[c] : x;
            }
        }
        return table;
    }

    /** HWC RGB bytes of {@code images} (each size x size x 3) as pixel_values, (n, 3, size, size) row-major. */
    public static float[] pixelValues(float[][] table, java.util.List<byte[]> images, int size) {
        int plane = size * size;
        float[] data = new float[images.size() * 3 * plane];
        for (int b = 0; b < images.size(); b++) {
            byte[] rgb = images.get(b);
            int base = b * 3 * plane;
            for (int p = 0; p < plane; p++) {
                data[base + p] = table[0][rgb[p * 3] & 0xff];
                data[base + plane + p] = table[1][rgb[p * 3 + 1] & 0xff];
                data[base + 2 * plane + p] = table[2][rgb[p * 3 + 2] & 0xff];
            }
        }
        return data;
    }

    public void write(Path dir) throws IOException {
        Files.writeString(dir.resolve(FILE), ConfigJson.toString(json), StandardCharsets.UTF_8);
    }
}
