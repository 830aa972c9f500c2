package io.modelhub.runners.recipes.text;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;

/**
 * The config.json of a "modelhub-text" encoder, with the Hugging Face fields the hub indexes:
 * <pre>
 * {
 *   "architectures": ["ModelHubTextForMaskedLM"],    or ModelHubTextForSequenceClassification
 *   "model_type": "modelhub-text",
 *   "vocab_size": 2000, "hidden_size": 64, "num_hidden_layers": 2, "num_attention_heads": 4,
 *   "intermediate_size": 128, "max_position_embeddings": 64, "pad_token_id": 0, "layer_norm_eps": 1e-5,
 *   "num_labels": 3, "id2label": {...}, "label2id": {...}, "problem_type": "single_label_classification"
 * }
 * </pre>
 * The network (see {@link TextEncoderBlock}): token + learned position embeddings, then pre-layer-norm transformer
 * layers (self-attention and a GELU feed-forward, each as a residual branch), a final layer norm; the text vector
 * is the mean of the token states over the non-pad tokens. Labels are present only for a classifier.
 */
public record TextEncoderConfig(int vocabSize, int hiddenSize, int numLayers, int numHeads, int intermediateSize,
        int maxPositions, long padTokenId, List<String> labels) {

    public static final String MODEL_TYPE = io.modelhub.contract.ModelTypes.TEXT;
    public static final String MLM_ARCHITECTURE = "ModelHubTextForMaskedLM";
    public static final String CLASSIFIER_ARCHITECTURE = "ModelHubTextForSequenceClassification";
    public static final float LAYER_NORM_EPS = 1e-5f;

    public TextEncoderConfig {
        labels = List.copyOf(labels);
        check(vocabSize >= 6 && vocabSize <= 1_000_000, "vocab_size " + vocabSize + " is outside 6..1000000");
        check(hiddenSize >= 4 && hiddenSize <= 4096, "hidden_size " + hiddenSize + " is outside 4..4096");
        check(numLayers >= 1 && numLayers <= 48, "num_hidden_layers " + numLayers + " is outside 1..48");
        check(numHeads >= 1 && hiddenSize % numHeads == 0,
                "num_attention_heads " + numHeads + " must divide hidden_size " + hiddenSize);
        check(intermediateSize >= 1 && intermediateSize <= 16384, "intermediate_size " + intermediateSize
                + " is outside 1..16384");
        check(maxPositions >= 4 && maxPositions <= 8192, "max_position_embeddings " + maxPositions
                + " is outside 4..8192");
        check(padTokenId >= 0 && padTokenId < vocabSize, "pad_token_id " + padTokenId + " is not a token id");
        check(labels.isEmpty() || labels.size() >= 2, "a classifier needs at least 2 labels, not " + labels.size());
        check(new HashSet<>(labels).size() == labels.size(), "labels must be distinct: " + labels);
    }

    /** The encoder size the text-pretraining recipe builds, for a vocabulary and maximum length. */
    public static TextEncoderConfig small(int vocabSize, int hiddenSize, int numLayers, int maxPositions,
            long padTokenId) {
        return new TextEncoderConfig(vocabSize, hiddenSize, numLayers, Math.max(1, hiddenSize / 16),
                hiddenSize * 2, maxPositions, padTokenId, List.of());
    }

    public TextEncoderConfig withLabels(List<String> newLabels) {
        return new TextEncoderConfig(vocabSize, hiddenSize, numLayers, numHeads, intermediateSize, maxPositions,
                padTokenId, newLabels);
    }

    public int numLabels() {
        return labels.size();
    }

    public boolean isClassifier() {
        return !labels.isEmpty();
    }

    public static TextEncoderConfig read(Path file) throws IOException {
        return parse(ConfigJson.read(file));
    }

    public static TextEncoderConfig parse(String json) {
        JsonNode root = ConfigJson.parse(json, MODEL_TYPE);
        return new TextEncoderConfig(ConfigJson.requiredInt(root, "vocab_size"), ConfigJson.requiredInt(root, "hidden_size"),
                ConfigJson.requiredInt(root, "num_hidden_layers"), ConfigJson.requiredInt(root, "num_attention_heads"),
                ConfigJson.requiredInt(root, "intermediate_size"), ConfigJson.requiredInt(root, "max_position_embeddings"),
                root.path("pad_token_id").asLong(0), ConfigJson.optionalLabels(root));
    }

    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    }

    public String toJson() {
        ObjectNode root = ConfigJson.JSON.createObjectNode();
        root.putArray("architectures").add(isClassifier() ? CLASSIFIER_ARCHITECTURE : MLM_ARCHITECTURE);
        root.put("model_type", MODEL_TYPE);
        root.put("vocab_size", vocabSize);
        root.put("hidden_size", hiddenSize);
        root.put("num_hidden_layers", numLayers);
        root.put("num_attention_heads", numHeads);
        root.put("intermediate_size", intermediateSize);
        root.put("hidden_act", "gelu");
        root.put("max_position_embeddings", maxPositions);
        root.put("pad_token_id", padTokenId);
        root.put("layer_norm_eps", LAYER_NORM_EPS);
        if (isClassifier()) {
            ConfigJson.putLabels(root, labels);
        }
        root.put("torch_dtype", "float32");
        return ConfigJson.toString(root);
    }


    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new InvalidModelException(message);
        }
    }
}
