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
 *   "num_channels": 3,           3: RGB; 1: grey (ITU-R 601 luma of the RGB pixels, as PIL's convert("L"))
 *   "channels": [16, 32, 64],    output channels of each conv stage
 *   "kernel_size": 3,
 *   "batch_norm": true,          optional, default true
 *   "padding": "same",           optional, "same" (default) or "valid" (no padding, as Keras' default)
 *   "head": "avg",               optional, "avg" (default) or "flatten"
 *   "hidden_sizes": [],          optional, widths of dense ReLU layers before the classifier
 *   "dropout": 0.0,              optional, dropout rate on the input of every dense layer
 *   "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],   per-channel normalisation of [0,1] pixels
 *   "num_labels": 4,
 *   "id2label": {"0": "cat", ...}, "label2id": {"cat": 0, ...},
 *   "problem_type": "single_label_classification",
 *   "torch_dtype": "float32"
 * }
 * </pre>
 * Stage i is conv{i} (kernel_size, same or valid padding) -> batch norm -> ReLU (without batch norm the conv has
 * a bias, which the norm's shift would otherwise make redundant), followed by 2x2 max pooling (floor), except
 * that with head "avg" the last stage is averaged over all positions instead. Global averaging makes the weights
 * independent of image_size, so a model can be fine-tuned at another resolution; "flatten" max-pools the last
 * stage too and flattens (channel, row, column), so the first dense layer's shape depends on image_size. Then the
 * hidden dense layers (each Linear -> ReLU) and a linear classifier.
 * <p>
 * The optional fields are written only when they differ from their defaults, so a config with the original
 * architecture is byte-identical to the files written before they existed.
 * <p>
 * The seeds' Keras CNN (Conv2D 32 -> MaxPool -> Conv2D 64 -> MaxPool -> Flatten -> Dense 64 -> Dense 10 on 28x28
 * grey) is {@link #seedsCnn}.
 */
public record CnnConfig(int imageSize, int numChannels, List<Integer> channels, int kernelSize, boolean batchNorm,
        String padding, String head, List<Integer> hiddenSizes, float dropout, float[] imageMean, float[] imageStd,
        List<String> labels) {

    public static final String MODEL_TYPE = io.modelhub.contract.ModelTypes.CNN;
    public static final String ARCHITECTURE = "ModelHubCnnForImageClassification";
    public static final List<Integer> DEFAULT_CHANNELS = List.of(16, 32, 64);
    public static final int DEFAULT_KERNEL_SIZE = 3;
    public static final int MIN_IMAGE_SIZE = 8;
    public static final int MAX_IMAGE_SIZE = 1024;
    public static final String PADDING_SAME = "same";
    public static final String PADDING_VALID = "valid";
    public static final String HEAD_AVG = "avg";
    public static final String HEAD_FLATTEN = "flatten";
    public static final float MAX_DROPOUT = 0.9f;
    public static final int MAX_STAGE_CHANNELS = 4096;
    private static final int MAX_STAGES = 8;
    private static final int MAX_HIDDEN_LAYERS = 4;
    public static final int MAX_HIDDEN_SIZE = 8192;
    /** Bounds the first dense layer of a "flatten" head (inputs x width floats) to a few hundred MB. */
    private static final long MAX_DENSE_WEIGHTS = 64L << 20;


    public CnnConfig {
        channels = List.copyOf(channels);
        hiddenSizes = List.copyOf(hiddenSizes);
        labels = List.copyOf(labels);
        imageMean = imageMean.clone();
        imageStd = imageStd.clone();
        validate(imageSize, numChannels, channels, kernelSize, padding, head, hiddenSizes, dropout, imageMean,
                imageStd, labels);
    }

    /** The original architecture: RGB, batch norm, same padding, global average, no hidden layer. */
    public CnnConfig(int imageSize, List<Integer> channels, int kernelSize, float[] imageMean, float[] imageStd,
            List<String> labels) {
        this(imageSize, 3, channels, kernelSize, true, PADDING_SAME, HEAD_AVG, List.of(), 0f, imageMean, imageStd,
                labels);
    }

    /** The default architecture for a dataset's labels, normalising pixels to [-1, 1]. */
    public static CnnConfig defaults(int imageSize, List<String> labels) {
        return new CnnConfig(imageSize, DEFAULT_CHANNELS, DEFAULT_KERNEL_SIZE, new float[] {0.5f, 0.5f, 0.5f},
                new float[] {0.5f, 0.5f, 0.5f}, labels);
    }

    /**
     * The seeds' Keras MNIST network: grey 28x28, conv 32 (3x3, valid, ReLU) -> max pool -> conv 64 -> max pool
     * -> flatten -> dense 64 (ReLU) -> classifier; no batch norm, no dropout. Pixels normalised to [-1, 1].
     */
    public static CnnConfig seedsCnn(List<String> labels) {
        return new CnnConfig(28, 1, List.of(32, 64), 3, false, PADDING_VALID, HEAD_FLATTEN, List.of(64), 0f,
                new float[] {0.5f}, new float[] {0.5f}, labels);
    }

    /** Same backbone and preprocessing with another label set: the config of a fine-tuned model. */
    public CnnConfig withLabels(List<String> newLabels) {
        return new CnnConfig(imageSize, numChannels, channels, kernelSize, batchNorm, padding, head, hiddenSizes,
                dropout, imageMean, imageStd, newLabels);
    }

    /** Same network for another input size (the defaults' normalisation is kept). */
    public CnnConfig withImageSize(int size) {
        return new CnnConfig(size, numChannels, channels, kernelSize, batchNorm, padding, head, hiddenSizes,
                dropout, imageMean, imageStd, labels);
    }

    public int numLabels() {
        return labels.size();
    }

    public int lastChannels() {
        return channels.get(channels.size() - 1);
    }

    /** The original architecture (what the conv tower of {@link CnnBlock#convStages} and the vision tower build). */
    public boolean isClassic() {
        return numChannels == 3 && batchNorm && PADDING_SAME.equals(padding) && HEAD_AVG.equals(head)
                && hiddenSizes.isEmpty() && dropout == 0f;
    }

    /** Width of the features the dense layers read: last channels, times the final map's area for "flatten". */
    public int featureSize() {
        if (HEAD_AVG.equals(head)) {
            return lastChannels();
        }
        int side = finalSide(imageSize, channels.size(), kernelSize, padding, head);
        return lastChannels() * side * side;
    }

    /** Side of the last feature map, or -1 when a stage would shrink it below one pixel. */
    private static int finalSide(int imageSize, int stages, int kernelSize, String padding, String head) {
        int side = imageSize;
        for (int i = 0; i < stages; i++) {
            if (PADDING_VALID.equals(padding)) {
                side -= kernelSize - 1;
            }
            if (side < 1) {
                return -1;
            }
            if (i < stages - 1 || HEAD_FLATTEN.equals(head)) {
                side /= 2;
                if (side < 1) {
                    return -1;
                }
            }
        }
        return side;
    }

    public static CnnConfig read(Path file) throws IOException {
        return parse(ConfigJson.read(file));
    }

    public static CnnConfig parse(String json) {
        JsonNode root = ConfigJson.parse(json, MODEL_TYPE);
        int numChannels = root.has("num_channels") ? ConfigJson.requiredInt(root, "num_channels") : 3;
        if (numChannels != 3 && numChannels != 1) {
            throw new InvalidModelException("config.json num_channels is " + numChannels
                    + "; only RGB (3) and grey (1) are supported");
        }
        int imageSize = ConfigJson.requiredInt(root, "image_size");
        List<Integer> channels = ints(root, "channels", true);
        int kernelSize = root.has("kernel_size") ? ConfigJson.requiredInt(root, "kernel_size") : DEFAULT_KERNEL_SIZE;
        boolean batchNorm = true;
        if (root.has("batch_norm")) {
            if (!root.get("batch_norm").isBoolean()) {
                throw new InvalidModelException("config.json \"batch_norm\" must be true or false, not "
                        + root.get("batch_norm"));
            }
            batchNorm = root.get("batch_norm").asBoolean();
        }
        String padding = text(root, "padding", PADDING_SAME);
        String head = text(root, "head", HEAD_AVG);
        List<Integer> hidden = root.has("hidden_sizes") ? ints(root, "hidden_sizes", false) : List.of();
        float dropout = 0f;
        if (root.has("dropout")) {
            if (!root.get("dropout").isNumber()) {
                throw new InvalidModelException("config.json \"dropout\" must be a number, not " + root.get("dropout"));
            }
            dropout = (float) root.get("dropout").asDouble();
        }
        float[] mean = floats(root, "image_mean", 0.5f, numChannels);
        float[] std = floats(root, "image_std", 0.5f, numChannels);
        List<String> labels = ConfigJson.labels(root);
        return new CnnConfig(imageSize, numChannels, channels, kernelSize, batchNorm, padding, head, hidden, dropout,
                mean, std, labels);
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
        root.put("num_channels", numChannels);
        ArrayNode ch = root.putArray("channels");
        channels.forEach(ch::add);
        root.put("kernel_size", kernelSize);
        if (!batchNorm) {
            root.put("batch_norm", false);
        }
        if (!PADDING_SAME.equals(padding)) {
            root.put("padding", padding);
        }
        if (!HEAD_AVG.equals(head)) {
            root.put("head", head);
        }
        if (!hiddenSizes.isEmpty()) {
            ArrayNode hidden = root.putArray("hidden_sizes");
            hiddenSizes.forEach(hidden::add);
        }
        if (dropout != 0f) {
            root.put("dropout", dropout);
        }
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

    private static List<Integer> ints(JsonNode root, String field, boolean required) {
        JsonNode node = root.path(field);
        if (!node.isArray()) {
            throw new InvalidModelException("config.json needs \"" + field + "\": a list of layer widths, e.g. "
                    + (required ? "[16, 32, 64]" : "[64]"));
        }
        List<Integer> values = new ArrayList<>();
        for (JsonNode c : node) {
            if (!c.canConvertToExactIntegral()) {
                throw new InvalidModelException("config.json " + field + " must be integers, but has " + c);
            }
            values.add(c.asInt());
        }
        return values;
    }

    private static String text(JsonNode root, String field, String fallback) {
        JsonNode node = root.get(field);
        if (node == null) {
            return fallback;
        }
        if (!node.isTextual()) {
            throw new InvalidModelException("config.json \"" + field + "\" must be a string, not " + node);
        }
        return node.asText();
    }

    private static float[] floats(JsonNode root, String field, float fallback, int count) {
        JsonNode node = root.get(field);
        if (node == null) {
            float[] values = new float[count];
            Arrays.fill(values, fallback);
            return values;
        }
        if (!node.isArray() || node.size() != count) {
            throw new InvalidModelException("config.json \"" + field + "\" must be " + count + " numbers ("
                    + (count == 3 ? "R, G, B" : "grey") + "), not " + node);
        }
        float[] values = new float[count];
        for (int i = 0; i < count; i++) {
            if (!node.get(i).isNumber()) {
                throw new InvalidModelException("config.json \"" + field + "\" must be numbers, not " + node);
            }
            values[i] = (float) node.get(i).asDouble();
        }
        return values;
    }

    private static void validate(int imageSize, int numChannels, List<Integer> channels, int kernelSize,
            String padding, String head, List<Integer> hidden, float dropout, float[] mean, float[] std,
            List<String> labels) {
        if (imageSize < MIN_IMAGE_SIZE || imageSize > MAX_IMAGE_SIZE) {
            throw new InvalidModelException("image_size " + imageSize + " is outside " + MIN_IMAGE_SIZE + ".."
                    + MAX_IMAGE_SIZE);
        }
        if (numChannels != 1 && numChannels != 3) {
            throw new InvalidModelException("num_channels must be 3 (RGB) or 1 (grey), not " + numChannels);
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
        if (kernelSize < 1 || kernelSize > 15 || kernelSize % 2 == 0) {
            throw new InvalidModelException("kernel_size must be odd and 1..15, not " + kernelSize);
        }
        if (!PADDING_SAME.equals(padding) && !PADDING_VALID.equals(padding)) {
            throw new InvalidModelException("padding must be \"same\" or \"valid\", not \"" + padding + "\"");
        }
        if (!HEAD_AVG.equals(head) && !HEAD_FLATTEN.equals(head)) {
            throw new InvalidModelException("head must be \"avg\" or \"flatten\", not \"" + head + "\"");
        }
        int side = finalSide(imageSize, channels.size(), kernelSize, padding, head);
        if (side < 1) {
            throw new InvalidModelException("image_size " + imageSize + " is too small for " + channels.size()
                    + " stages of kernel_size " + kernelSize + " with " + padding + " padding and a " + head
                    + " head: the feature map shrinks below one pixel");
        }
        if (hidden.size() > MAX_HIDDEN_LAYERS) {
            throw new InvalidModelException("hidden_sizes lists at most " + MAX_HIDDEN_LAYERS + " dense layers, not "
                    + hidden);
        }
        for (int h : hidden) {
            if (h < 1 || h > MAX_HIDDEN_SIZE) {
                throw new InvalidModelException("hidden_sizes " + hidden + " has a width outside 1.." + MAX_HIDDEN_SIZE);
            }
        }
        long features = (long) channels.get(channels.size() - 1) * side * side;
        long firstDense = features * (hidden.isEmpty() ? Math.max(1, labels.size()) : hidden.get(0));
        if (firstDense > MAX_DENSE_WEIGHTS) {
            throw new InvalidModelException("the first dense layer would have " + firstDense + " weights ("
                    + features + " flattened features); use a smaller image_size, more stages or head \"avg\"");
        }
        if (!(dropout >= 0f && dropout <= MAX_DROPOUT)) {
            throw new InvalidModelException("dropout must be between 0 and " + MAX_DROPOUT + ", not " + dropout);
        }
        if (mean.length != numChannels || std.length != numChannels) {
            throw new InvalidModelException("image_mean and image_std need " + numChannels + " value"
                    + (numChannels == 1 ? "" : "s") + ", one per input channel");
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
        return o instanceof CnnConfig c && c.imageSize == imageSize && c.numChannels == numChannels
                && c.channels.equals(channels) && c.kernelSize == kernelSize && c.batchNorm == batchNorm
                && c.padding.equals(padding) && c.head.equals(head) && c.hiddenSizes.equals(hiddenSizes)
                && Float.compare(c.dropout, dropout) == 0 && Arrays.equals(c.imageMean, imageMean)
                && Arrays.equals(c.imageStd, imageStd) && c.labels.equals(labels);
    }

    @Override
    public int hashCode() {
        return Objects.hash(imageSize, numChannels, channels, kernelSize, batchNorm, padding, head, hiddenSizes,
                dropout, Arrays.hashCode(imageMean), Arrays.hashCode(imageStd), labels);
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
