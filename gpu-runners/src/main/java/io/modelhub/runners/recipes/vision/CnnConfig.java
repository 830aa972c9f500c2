package io.modelhub.runners.recipes.vision;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * The config.json of a "modelhub-cnn" image classifier: everything needed to rebuild the network, with the
 * Hugging Face fields (architectures, model_type, num_labels, id2label, label2id) the hub indexes.
 * <pre>
 * {
 *   "architectures": ["ModelHubCnnForImageClassification"],
 *   "model_type": "modelhub-cnn",
 *   "image_size": 32,            input side in pixels (images are resized to image_size x image_size)
 *   "num_channels": 3,           RGB
 *   "channels": [16, 32, 64],    output channels of each conv stage
 *   "kernel_size": 3,
 *   "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],   per-channel normalisation of [0,1] pixels
 *   "num_labels": 4,
 *   "id2label": {"0": "cat", ...}, "label2id": {"cat": 0, ...},
 *   "problem_type": "single_label_classification",
 *   "torch_dtype": "float32"
 * }
 * </pre>
 * Stage i is conv{i} (kernel_size, same padding, no bias) -> batch norm -> ReLU, followed by 2x2 max pooling
 * except after the last stage, which is averaged over all positions; then a linear classifier. Global averaging
 * makes the weights independent of image_size, so a model can be fine-tuned at another resolution.
 */
public record CnnConfig(int imageSize, List<Integer> channels, int kernelSize, float[] imageMean, float[] imageStd,
        List<String> labels) {

    public static final String MODEL_TYPE = io.modelhub.contract.ModelTypes.CNN;
    public static final String ARCHITECTURE = "ModelHubCnnForImageClassification";
    public static final List<Integer> DEFAULT_CHANNELS = List.of(16, 32, 64);
    public static final int DEFAULT_KERNEL_SIZE = 3;
    public static final int MIN_IMAGE_SIZE = 8;
    public static final int MAX_IMAGE_SIZE = 1024;
    private static final int MAX_STAGE_CHANNELS = 4096;
    private static final int MAX_STAGES = 8;


    public CnnConfig {
        channels = List.copyOf(channels);
        labels = List.copyOf(labels);
        imageMean = imageMean.clone();
        imageStd = imageStd.clone();
        validate(imageSize, channels, kernelSize, imageMean, imageStd, labels);
    }

    /** The default architecture for a dataset's labels, normalising pixels to [-1, 1]. */
    public static CnnConfig defaults(int imageSize, List<String> labels) {
        return new CnnConfig(imageSize, DEFAULT_CHANNELS, DEFAULT_KERNEL_SIZE, new float[] {0.5f, 0.5f, 0.5f},
                new float[] {0.5f, 0.5f, 0.5f}, labels);
    }

    /** Same backbone and preprocessing with another label set: the config of a fine-tuned model. */
    public CnnConfig withLabels(List<String> newLabels) {
        return new CnnConfig(imageSize, channels, kernelSize, imageMean, imageStd, newLabels);
    }

    public int numLabels() {
        return labels.size();
    }

    public int lastChannels() {
        return channels.get(channels.size() - 1);
    }

    public static CnnConfig read(Path file) throws IOException {
        return parse(ConfigJson.read(file));
    }

    public static CnnConfig parse(String json) {
        JsonNode root = ConfigJson.parse(json, MODEL_TYPE);
        int numChannels = root.path("num_channels").asInt(3);
        if (numChannels != 3) {
            throw new InvalidModelException("config.json num_channels is " + numChannels + "; only RGB (3) is supported");
        }
        int imageSize = ConfigJson.requiredInt(root, "image_size");
        List<Integer> channels = new ArrayList<>();
        JsonNode channelsNode = root.path("channels");
        if (!channelsNode.isArray()) {
            throw new InvalidModelException("config.json needs \"channels\": a list of conv stage widths, e.g. [16, 32, 64]");
        }
        for (JsonNode c : channelsNode) {
            if (!c.canConvertToExactIntegral()) {
                throw new InvalidModelException("config.json channels must be integers, but has " + c);
            }
            channels.add(c.asInt());
        }
        int kernelSize = root.has("kernel_size") ? ConfigJson.requiredInt(root, "kernel_size") : DEFAULT_KERNEL_SIZE;
        float[] mean = floats(root, "image_mean", 0.5f);
        float[] std = floats(root, "image_std", 0.5f);
        List<String> labels = ConfigJson.labels(root);
        return new CnnConfig(imageSize, channels, kernelSize, mean, std, labels);
    }

    public void write(Path file) throws IOException {
        Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    }

    /** Field order is fixed (Jackson keeps insertion order), so equal configs give equal bytes and blob hashes. */
    public String toJson() {
        ObjectNode root = ConfigJson.JSON.createObjectNode();
        root.putArray("architectures").add(ARCHITECTURE);
        root.put("model_type", MODEL_TYPE);
        root.put("image_size", imageSize);
        root.put("num_channels", 3);
        ArrayNode ch = root.putArray("channels");
        channels.forEach(ch::add);
        root.put("kernel_size", kernelSize);
        ArrayNode mean = root.putArray("image_mean");
        for (float m : imageMean) {
            mean.add(m);
        }
        ArrayNode std = root.putArray("image_std");
        for (float s : imageStd) {
            std.add(s);
        }
        ConfigJson.putLabels(root, labels);
        root.put("torch_dtype", "float32");
        return ConfigJson.toString(root);
    }


    private static float[] floats(JsonNode root, String field, float fallback) {
        JsonNode node = root.get(field);
        if (node == null) {
            return new float[] {fallback, fallback, fallback};
        }
        if (!node.isArray() || node.size() != 3) {
            throw new InvalidModelException("config.json \"" + field + "\" must be 3 numbers (R, G, B), not " + node);
        }
        float[] values = new float[3];
        for (int i = 0; i < 3; i++) {
            if (!node.get(i).isNumber()) {
                throw new InvalidModelException("config.json \"" + field + "\" must be numbers, not " + node);
            }
            values[i] = (float) node.get(i).asDouble();
        }
        return values;
    }

    private static void validate(int imageSize, List<Integer> channels, int kernelSize, float[] mean, float[] std,
            List<String> labels) {
        if (imageSize < MIN_IMAGE_SIZE || imageSize > MAX_IMAGE_SIZE) {
            throw new InvalidModelException("image_size " + imageSize + " is outside " + MIN_IMAGE_SIZE + ".."
                    + MAX_IMAGE_SIZE);
        }
        if (channels.isEmpty() || channels.size() > MAX_STAGES) {
            throw new InvalidModelException("channels must list 1.." + MAX_STAGES + " conv stages, not " + channels);
        }
        for (int c : channels) {
            if (c < 1 || c > MAX_STAGE_CHANNELS) {
                throw new InvalidModelException("channels " + channels + " has a stage width outside 1.."
                        + MAX_STAGE_CHANNELS);
            }
        }
        // every stage but the last halves the image; it must stay at least 1 pixel
        if (imageSize >> (channels.size() - 1) < 1) {
            throw new InvalidModelException("image_size " + imageSize + " is too small for " + channels.size()
                    + " stages (each but the last halves it)");
        }
        if (kernelSize < 1 || kernelSize > 15 || kernelSize % 2 == 0) {
            throw new InvalidModelException("kernel_size must be odd and 1..15, not " + kernelSize);
        }
        if (mean.length != 3 || std.length != 3) {
            throw new InvalidModelException("image_mean and image_std need 3 values (R, G, B)");
        }
        for (float s : std) {
            if (!(s > 0)) {
                throw new InvalidModelException("image_std values must be positive");
            }
        }
        ConfigJson.validateLabels(labels);
    }


    /** Arrays compared by content: a record's generated equals would compare the mean/std arrays by identity. */
    @Override
    public boolean equals(Object o) {
        return o instanceof CnnConfig c && c.imageSize == imageSize && c.channels.equals(channels)
                && c.kernelSize == kernelSize && Arrays.equals(c.imageMean, imageMean)
                && Arrays.equals(c.imageStd, imageStd) && c.labels.equals(labels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(imageSize, channels, kernelSize, Arrays.hashCode(imageMean),
                Arrays.hashCode(imageStd), labels);
    }

    @Override
    public float[] imageMean() {
        return imageMean.clone();
    }

    @Override
    public float[] imageStd() {
        return imageStd.clone();
    }
}
