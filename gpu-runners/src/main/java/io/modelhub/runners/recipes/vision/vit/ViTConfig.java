package io.modelhub.runners.recipes.vision.vit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.contract.ModelTypes;
import io.modelhub.runners.recipes.text.bert.BertConfig.Activation;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The config.json of a transformers ViT (model_type "vit"), with transformers' ViTConfig defaults for every field
 * it leaves out (hidden_size 768, 12 layers, 12 heads, intermediate_size 3072, hidden_act gelu, dropouts 0.0,
 * layer_norm_eps 1e-12, image_size 224, patch_size 16, num_channels 3, qkv_bias true). The original JSON is kept, so
 * that saving a fine-tuned model changes only what a fine-tune changes (architectures and labels).
 */
public record ViTConfig(int hiddenSize, int layers, int heads, int intermediateSize, Activation hiddenAct,
        float hiddenDropout, float attentionDropout, float layerNormEps, int imageSize, int patchSize,
        int numChannels, boolean qkvBias, List<String> labels, List<String> architectures, ObjectNode json) {

    public static final String FILE = "config.json";
    public static final String MODEL_TYPE = ModelTypes.VIT;

    /** What sits on the encoder: nothing (ViTModel) or a linear classifier on the CLS token. */
    public enum Task {
        ENCODER("ViTModel"),
        IMAGE_CLASSIFICATION("ViTForImageClassification");

        private final String architecture;

        Task(String architecture) {
            this.architecture = architecture;
        }

        public String architecture() {
            return architecture;
        }
    }

    public static ViTConfig read(Path file) throws IOException {
        return parse(ConfigJson.read(file));
    }

    public static ViTConfig parse(String text) {
        ObjectNode root = (ObjectNode) ConfigJson.parse(text, MODEL_TYPE);
        List<String> architectures = new ArrayList<>();
        root.path("architectures").forEach(a -> architectures.add(a.asText()));
        ViTConfig config = new ViTConfig(intOr(root, "hidden_size", 768), intOr(root, "num_hidden_layers", 12),
                intOr(root, "num_attention_heads", 12), intOr(root, "intermediate_size", 3072),
                Activation.of(root.path("hidden_act").asText("gelu")),
                (float) root.path("hidden_dropout_prob").asDouble(0.0),
                (float) root.path("attention_probs_dropout_prob").asDouble(0.0),
                (float) root.path("layer_norm_eps").asDouble(1e-12), intOr(root, "image_size", 224),
                intOr(root, "patch_size", 16), intOr(root, "num_channels", 3), root.path("qkv_bias").asBoolean(true),
                ConfigJson.optionalLabels(root), List.copyOf(architectures), root);
        if (config.hiddenSize % config.heads != 0) {
            throw new InvalidModelException("config.json: hidden_size " + config.hiddenSize
                    + " is not a multiple of num_attention_heads " + config.heads);
        }
        if (config.layers < 1) {
            throw new InvalidModelException("config.json needs at least one layer, not num_hidden_layers "
                    + config.layers);
        }
        if (config.patchSize < 1 || config.imageSize < 1 || config.imageSize % config.patchSize != 0) {
            throw new InvalidModelException("config.json: image_size " + config.imageSize
                    + " is not divisible into patch_size " + config.patchSize + " patches");
        }
        if (config.numChannels != 3) {
            throw new InvalidModelException("config.json has num_channels " + config.numChannels
                    + "; only RGB (3) images are supported");
        }
        if (root.path("use_mask_token").asBoolean(false)) {
            // a mask token only matters for masked-image pre-training (ViTForMaskedImageModeling), not supported
            throw new InvalidModelException("config.json has use_mask_token true (ViTForMaskedImageModeling); "
                    + "supported are " + supportedArchitectures());
        }
        return config;
    }

    private static int intOr(JsonNode root, String field, int fallback) {
        return root.has(field) ? ConfigJson.requiredInt(root, field) : fallback;
    }

    /** The task of the config's architectures; a config without architectures is a base model. */
    public Task task() {
        if (architectures.isEmpty()) {
            return Task.ENCODER;
        }
        for (Task task : Task.values()) {
            if (task.architecture.equals(architectures.get(0))) {
                return task;
            }
        }
        throw new InvalidModelException("config.json has architectures " + architectures
                + "; for model_type \"vit\" supported are " + supportedArchitectures());
    }

    public static List<String> supportedArchitectures() {
        return List.of(Task.ENCODER.architecture, Task.IMAGE_CLASSIFICATION.architecture);
    }

    /** Patches per image side. */
    public int patchesPerSide() {
        return imageSize / patchSize;
    }

    /** Tokens per image: one per patch and the CLS token. */
    public int tokens() {
        return patchesPerSide() * patchesPerSide() + 1;
    }

    /** pooler_output_size of a ViTModel's pooler (transformers' default: hidden_size). */
    public int poolerSize() {
        return json.path("pooler_output_size").isInt() ? json.path("pooler_output_size").asInt() : hiddenSize;
    }

    /** The same model with a task and labels (a new head): e.g. a fine-tune of a base model. */
    public ViTConfig withTask(Task task, List<String> newLabels) {
        ObjectNode copy = json.deepCopy();
        copy.putArray("architectures").add(task.architecture);
        copy.remove(List.of("num_labels", "id2label", "label2id", "problem_type"));
        if (task == Task.IMAGE_CLASSIFICATION) {
            ConfigJson.validateLabels(newLabels);
            ConfigJson.putLabels(copy, newLabels);
        }
        return new ViTConfig(hiddenSize, layers, heads, intermediateSize, hiddenAct, hiddenDropout, attentionDropout,
                layerNormEps, imageSize, patchSize, numChannels, qkvBias,
                task == Task.IMAGE_CLASSIFICATION ? List.copyOf(newLabels) : List.of(), List.of(task.architecture),
                copy);
    }

    public String describe() {
        return "ViT (" + layers + " layers, hidden " + hiddenSize + ", " + heads + " heads, patch " + patchSize
                + " at " + imageSize + " px)";
    }

    public void write(Path file) throws IOException {
        Files.writeString(file, ConfigJson.toString(json), StandardCharsets.UTF_8);
    }
}
