package io.modelhub.runners.recipes.text;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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

    public static final String MODEL_TYPE = "modelhub-text";
    public static final String MLM_ARCHITECTURE = "ModelHubTextForMaskedLM";
    public static final String CLASSIFIER_ARCHITECTURE = "ModelHubTextForSequenceClassification";
    public static final float LAYER_NORM_EPS = 1e-5f;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

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
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException("model has no " + file.getFileName() + " (looked for " + file + ")");
        }
        return parse(Files.readString(file, StandardCharsets.UTF_8));
    }

    public static TextEncoderConfig parse(String json) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidModelException("config.json is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidModelException("config.json must be a JSON object");
        }
        String modelType = root.path("model_type").asText(null);
        if (!MODEL_TYPE.equals(modelType)) {
            throw new InvalidModelException("config.json has model_type " + (modelType == null ? "(none)"
                    : "\"" + modelType + "\"") + " but \"" + MODEL_TYPE + "\" was expected");
        }
        return new TextEncoderConfig(requiredInt(root, "vocab_size"), requiredInt(root, "hidden_size"),
                requiredInt(root, "num_hidden_layers"), requiredInt(root, "num_attention_heads"),
                requiredInt(root, "intermediate_size"), requiredInt(root, "max_position_embeddings"),
                root.path("pad_token_id").asLong(0), labels(root));
    }

    public void write(Path file) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, toJson(), StandardCharsets.UTF_8);
    }

    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
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
            putLabels(root, labels);
        }
        root.put("torch_dtype", "float32");
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise config.json", e);
        }
    }

    /** num_labels, id2label, label2id and problem_type, as transformers writes them for a classifier. */
    static void putLabels(ObjectNode root, List<String> labels) {
        root.put("num_labels", labels.size());
        ObjectNode id2label = root.putObject("id2label");
        ObjectNode label2id = root.putObject("label2id");
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(Integer.toString(i), labels.get(i));
            label2id.put(labels.get(i), i);
        }
        root.put("problem_type", "single_label_classification");
    }

    /** The labels of a classifier's config.json, or none when it has no id2label. */
    static List<String> labels(JsonNode root) {
        JsonNode id2label = root.path("id2label");
        if (!id2label.isObject() || id2label.isEmpty()) {
            return List.of();
        }
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < id2label.size(); i++) {
            JsonNode label = id2label.get(Integer.toString(i));
            if (label == null || !label.isTextual()) {
                throw new InvalidModelException("config.json id2label has no label for id " + i
                        + "; ids must be \"0\"..\"" + (id2label.size() - 1) + "\"");
            }
            labels.add(label.textValue());
        }
        return labels;
    }

    static int requiredInt(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || !node.canConvertToExactIntegral()) {
            throw new InvalidModelException("config.json needs an integer \"" + field + "\""
                    + (node == null ? "" : ", not " + node));
        }
        return node.asInt();
    }

    private static void check(boolean ok, String message) {
        if (!ok) {
            throw new InvalidModelException(message);
        }
    }
}
