package io.modelhub.runners.recipes.vision.resnet;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.contract.ModelTypes;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * A timm ResNet's config.json, the file timm's {@code push_to_hf_hub} / {@code save_for_hf} writes and
 * {@code timm.create_model("hf-hub:...")} reads:
 * <pre>
 *   {"architecture": "resnet18", "num_classes": 1000, "num_features": 512, "global_pool": "avg",
 *    "label_names": ["tench", ...],                       (optional: a list, or {"0": "tench", ...})
 *    "pretrained_cfg": {"input_size": [3, 224, 224], "interpolation": "bicubic", "crop_pct": 0.95,
 *                       "mean": [0.485, 0.456, 0.406], "std": [0.229, 0.224, 0.225],
 *                       "first_conv": "conv1", "classifier": "fc", "num_classes": 1000, ...}}
 * </pre>
 * Only the plain torchvision-layout ResNets (resnet18/34/50/101/152: 7x7 stem, max pool, average pooling, an
 * {@code fc} head) are accepted; anything that changes the network (another architecture, {@code model_args},
 * another pooling) is refused here with the field named. Writing keeps every field it does not own (tag, hf_hub_id,
 * license, ...) as it was read.
 */
public final class TimmResNetConfig {

    public static final String FILE = "config.json";
    /** torchvision's ImageNet statistics, timm's IMAGENET_DEFAULT_MEAN / _STD: the default when none is given. */
    static final float[] IMAGENET_MEAN = {0.485f, 0.456f, 0.406f};
    static final float[] IMAGENET_STD = {0.229f, 0.224f, 0.225f};

    /** The residual unit of a ResNet: two 3x3 convs (expansion 1), or 1x1-3x3-1x1 (expansion 4). */
    public enum Unit {
        BASIC(1), BOTTLENECK(4);

        private final int expansion;

        Unit(int expansion) {
            this.expansion = expansion;
        }

        public int expansion() {
            return expansion;
        }
    }

    /** The torchvision / timm ResNet depths: blocks per stage. */
    public enum Architecture {
        RESNET18("resnet18", Unit.BASIC, 2, 2, 2, 2),
        RESNET34("resnet34", Unit.BASIC, 3, 4, 6, 3),
        RESNET50("resnet50", Unit.BOTTLENECK, 3, 4, 6, 3),
        RESNET101("resnet101", Unit.BOTTLENECK, 3, 4, 23, 3),
        RESNET152("resnet152", Unit.BOTTLENECK, 3, 8, 36, 3);

        private final String id;
        private final Unit unit;
        private final int[] blocks;

        Architecture(String id, Unit unit, int... blocks) {
            this.id = id;
            this.unit = unit;
            this.blocks = blocks;
        }

        public String id() {
            return id;
        }

        public Unit unit() {
            return unit;
        }

        /** Residual blocks in layer1..layer4. */
        public int[] blocks() {
            return blocks.clone();
        }

        /** Channels of the pooled features: 512 times the unit's expansion. */
        public int numFeatures() {
            return 512 * unit.expansion;
        }

        /**
         * resnet18 .. resnet152; a pretrained tag after a dot ("resnet50.a1_in1k", as timm model names carry it)
         * names the same network.
         */
        public static Architecture of(String name) {
            String base = name.contains(".") ? name.substring(0, name.indexOf('.')) : name;
            for (Architecture a : values()) {
                if (a.id.equals(base)) {
                    return a;
                }
            }
            throw new InvalidModelException("config.json has architecture \"" + name + "\"; supported timm ResNets "
                    + "are " + Arrays.stream(values()).map(Architecture::id).toList()
                    + " (torchvision layout: 7x7 stem, BasicBlock/Bottleneck, fc head)");
        }
    }

    private final ObjectNode json;
    private final Architecture architecture;
    private final int numClasses;
    private final List<String> labels;
    private final int imageSize;
    private final float[] mean;
    private final float[] std;

    private TimmResNetConfig(ObjectNode json, Architecture architecture, int numClasses, List<String> labels,
            int imageSize, float[] mean, float[] std) {
        this.json = json;
        this.architecture = architecture;
        this.numClasses = numClasses;
        this.labels = List.copyOf(labels);
        this.imageSize = imageSize;
        this.mean = mean;
        this.std = std;
    }

    public static TimmResNetConfig read(Path file) throws IOException {
        return parse(ConfigJson.read(file));
    }

    public static TimmResNetConfig parse(String text) {
        JsonNode node;
        try {
            node = ConfigJson.JSON.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidModelException("config.json is not valid JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new InvalidModelException("config.json must be a JSON object");
        }
        ObjectNode root = (ObjectNode) node;
        if (!ModelTypes.TIMM.equals(ModelTypes.of(root))) {
            throw new InvalidModelException("config.json is not a timm config (it needs a string \"architecture\" "
                    + "beside \"pretrained_cfg\" or \"num_classes\")" + (root.has("model_type")
                            ? "; it has model_type \"" + root.path("model_type").asText() + "\"" : ""));
        }
        Architecture architecture = Architecture.of(root.path("architecture").asText());
        JsonNode cfg = root.path("pretrained_cfg");
        if (!cfg.isMissingNode() && !cfg.isObject()) {
            throw new InvalidModelException("config.json pretrained_cfg must be an object, not " + cfg);
        }
        int numClasses = root.has("num_classes") ? ConfigJson.requiredInt(root, "num_classes")
                : cfg.has("num_classes") ? ConfigJson.requiredInt(cfg, "num_classes") : 1000;
        if (numClasses < 0) {
            throw new InvalidModelException("config.json num_classes must be >= 0 (0: no classifier), not "
                    + numClasses);
        }
        if (root.has("num_features") && ConfigJson.requiredInt(root, "num_features") != architecture.numFeatures()) {
            throw new InvalidModelException("config.json has num_features " + root.get("num_features") + " but a "
                    + architecture.id() + " has " + architecture.numFeatures());
        }
        String pool = root.path("global_pool").asText("avg");
        if (!pool.equals("avg")) {
            throw new InvalidModelException("config.json has global_pool \"" + pool + "\"; only \"avg\" (torchvision's"
                    + " adaptive average pooling) is supported");
        }
        JsonNode modelArgs = root.path("model_args");
        if (modelArgs.isObject() && !modelArgs.isEmpty()) {
            List<String> args = new ArrayList<>();
            modelArgs.fieldNames().forEachRemaining(args::add);
            throw new InvalidModelException("config.json has model_args " + args + ", which change the timm ResNet;"
                    + " only the plain torchvision-layout " + architecture.id() + " is supported");
        }
        expectName(cfg, "first_conv", "conv1");
        expectName(cfg, "classifier", "fc");
        List<String> labels = labels(root.get("label_names"), numClasses);
        int imageSize = imageSize(cfg.get("input_size"));
        float[] mean = triple(cfg, "mean", IMAGENET_MEAN);
        float[] std = triple(cfg, "std", IMAGENET_STD);
        for (int c = 0; c < 3; c++) {
            if (!(std[c] > 0)) {
                throw new InvalidModelException("config.json pretrained_cfg.std must be positive, not "
                        + Arrays.toString(std));
            }
        }
        return new TimmResNetConfig(root.deepCopy(), architecture, numClasses, labels, imageSize, mean, std);
    }

    private static void expectName(JsonNode cfg, String field, String expected) {
        JsonNode value = cfg.get(field);
        if (value != null && !value.isNull() && !expected.equals(value.asText())) {
            throw new InvalidModelException("config.json pretrained_cfg." + field + " is " + value + "; a torchvision-"
                    + "layout ResNet has \"" + expected + "\"");
        }
    }

    /** timm's label_names: a list by class index, or an object {"0": name, ...} with every index present. */
    private static List<String> labels(JsonNode node, int numClasses) {
        if (node == null || node.isNull()) {
            return List.of();
        }
        List<String> labels = new ArrayList<>();
        if (node.isArray()) {
            for (JsonNode label : node) {
                if (!label.isTextual()) {
                    throw new InvalidModelException("config.json label_names must hold strings, not " + label);
                }
                labels.add(label.textValue());
            }
        } else if (node.isObject()) {
            for (int i = 0; i < node.size(); i++) {
                JsonNode label = node.get(Integer.toString(i));
                if (label == null || !label.isTextual()) {
                    throw new InvalidModelException("config.json label_names has no name for class " + i
                            + "; give a list, or an object with keys \"0\"..\"" + (node.size() - 1) + "\"");
                }
                labels.add(label.textValue());
            }
        } else {
            throw new InvalidModelException("config.json label_names must be a list of names, not " + node);
        }
        if (labels.size() != numClasses) {
            throw new InvalidModelException("config.json has num_classes " + numClasses + " but label_names has "
                    + labels.size() + " names");
        }
        return labels;
    }

    private static int imageSize(JsonNode node) {
        if (node == null || node.isNull()) {
            return 224;
        }
        if (!node.isArray() || node.size() != 3 || node.get(0).asInt() != 3 || !node.get(1).canConvertToExactIntegral()
                || node.get(1).asInt() != node.get(2).asInt() || node.get(1).asInt() < 1) {
            throw new InvalidModelException("config.json pretrained_cfg.input_size must be [3, size, size] (square RGB),"
                    + " not " + node);
        }
        return node.get(1).asInt();
    }

    private static float[] triple(JsonNode cfg, String field, float[] fallback) {
        JsonNode node = cfg.get(field);
        if (node == null || node.isNull()) {
            return fallback.clone();
        }
        if (!node.isArray() || node.size() != 3 || !node.get(0).isNumber() || !node.get(1).isNumber()
                || !node.get(2).isNumber()) {
            throw new InvalidModelException("config.json pretrained_cfg." + field + " must be 3 numbers (R, G, B), not "
                    + node);
        }
        return new float[] {node.get(0).floatValue(), node.get(1).floatValue(), node.get(2).floatValue()};
    }

    public Architecture architecture() {
        return architecture;
    }

    /** Outputs of fc; 0 when the model has no classifier (timm's feature extractor). */
    public int numClasses() {
        return numClasses;
    }

    /** label_names by class index; empty when config.json has none. */
    public List<String> labels() {
        return labels;
    }

    /** pretrained_cfg.input_size's height and width. */
    public int imageSize() {
        return imageSize;
    }

    public float[] mean() {
        return mean.clone();
    }

    public float[] std() {
        return std.clone();
    }

    /** This config as a classifier of {@code newLabels} (num_classes and label_names), everything else kept. */
    public TimmResNetConfig withLabels(List<String> newLabels) {
        ConfigJson.validateLabels(newLabels);
        return new TimmResNetConfig(json, architecture, newLabels.size(), newLabels, imageSize, mean, std);
    }

    /** This network without fc (num_classes 0, no labels): timm's feature extractor, as reset_classifier(0) makes. */
    public TimmResNetConfig withoutClassifier() {
        return new TimmResNetConfig(json, architecture, 0, List.of(), imageSize, mean, std);
    }

    /** This config at another input size (a ResNet pools globally, so any size runs). */
    public TimmResNetConfig withImageSize(int size) {
        if (size < 1) {
            throw new IllegalArgumentException("image size must be positive, not " + size);
        }
        return new TimmResNetConfig(json, architecture, numClasses, labels, size, mean, std);
    }

    /**
     * The config.json text: the fields read, with num_classes, num_features, global_pool, label_names and
     * pretrained_cfg's num_classes / input_size / mean / std set from this config. crop_pct becomes 1.0 and
     * interpolation "bilinear": the runner resizes the whole image to input_size without a centre crop, and so
     * timm's eval transform with these values sees the pixels training saw.
     */
    public String toJson() {
        ObjectNode root = ConfigJson.JSON.createObjectNode();
        root.put("architecture", architecture.id());
        root.put("num_classes", numClasses);
        root.put("num_features", architecture.numFeatures());
        root.put("global_pool", "avg");
        if (!labels.isEmpty()) {
            ArrayNode names = root.putArray("label_names");
            labels.forEach(names::add);
        }
        ObjectNode cfg = json.path("pretrained_cfg").isObject() ? ((ObjectNode) json.get("pretrained_cfg")).deepCopy()
                : ConfigJson.JSON.createObjectNode();
        ArrayNode inputSize = cfg.putArray("input_size");
        inputSize.add(3).add(imageSize).add(imageSize);
        cfg.put("interpolation", "bilinear");
        cfg.put("crop_pct", 1.0);
        ArrayNode meanNode = cfg.putArray("mean");
        ArrayNode stdNode = cfg.putArray("std");
        for (int c = 0; c < 3; c++) {
            meanNode.add((double) mean[c]);
            stdNode.add((double) std[c]);
        }
        cfg.put("num_classes", numClasses);
        cfg.put("first_conv", "conv1");
        cfg.put("classifier", "fc");
        // a fine-tune's input differs from what these describe, so they would mislead timm's data config
        cfg.remove(List.of("test_input_size", "test_crop_pct"));
        for (Iterator<Map.Entry<String, JsonNode>> it = json.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            if (!root.has(field.getKey()) && !field.getKey().equals("pretrained_cfg")
                    && !field.getKey().equals("label_names") && !field.getKey().equals("labels")) {
                root.set(field.getKey(), field.getValue().deepCopy());
            }
        }
        root.set("pretrained_cfg", cfg);
        return ConfigJson.toString(root);
    }

    public void write(Path file) throws IOException {
        Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    }

    /** Architecture, classes, labels, input size and normalisation: what a checkpoint must agree on. */
    @Override
    public boolean equals(Object o) {
        return o instanceof TimmResNetConfig c && architecture == c.architecture && numClasses == c.numClasses
                && labels.equals(c.labels) && imageSize == c.imageSize && Arrays.equals(mean, c.mean)
                && Arrays.equals(std, c.std);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(architecture, numClasses, labels, imageSize);
    }

    @Override
    public String toString() {
        return architecture.id() + " (" + numClasses + " classes at " + imageSize + " px)";
    }
}
