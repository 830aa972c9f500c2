package io.modelhub.runners.recipes.vision;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;

/**
 * What the config.json files of the hub's own models (modelhub-cnn, modelhub-audio, modelhub-text) share: reading
 * the object of a model_type, required integers, and the classifier's labels as Hugging Face writes them
 * (num_labels, id2label, label2id, problem_type).
 */
public final class ConfigJson {

    /** Indented; Jackson keeps insertion order, so equal configs give equal bytes and blob hashes. */
    public static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private ConfigJson() {
    }

    /** The text of a model's config file; a clear error when the model has none. */
    public static String read(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException("model has no " + file.getFileName() + " (looked for " + file + ")");
        }
        return Files.readString(file, StandardCharsets.UTF_8);
    }

    /**
     * The model type of the model in {@code dir} by the hub's convention ({@link io.modelhub.contract.ModelTypes#of}:
     * config.json's model_type, or "timm" for a timm config); "" when config.json has none.
     */
    public static String modelType(Path dir) throws IOException {
        JsonNode root;
        try {
            root = JSON.readTree(read(dir.resolve("config.json")));
        } catch (JsonProcessingException e) {
            throw new InvalidModelException("config.json is not valid JSON: " + e.getOriginalMessage());
        }
        String type = io.modelhub.contract.ModelTypes.of(root);
        return type == null ? "" : type;
    }

    /** The JSON object of a config.json whose model_type must be {@code modelType}. */
    public static JsonNode parse(String json, String modelType) {
        JsonNode root;
        try {
            root = JSON.readTree(json);
        } catch (JsonProcessingException e) {
            throw new InvalidModelException("config.json is not valid JSON: " + e.getOriginalMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidModelException("config.json must be a JSON object");
        }
        String found = root.path("model_type").asText(null);
        if (!modelType.equals(found)) {
            throw new InvalidModelException("config.json has model_type " + (found == null ? "(none)"
                    : "\"" + found + "\"") + "; this recipe works with \"" + modelType + "\" models only");
        }
        return root;
    }

    /** The file's text: indented JSON and a final newline. */
    public static String toString(ObjectNode root) {
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise config.json", e);
        }
    }

    public static int requiredInt(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || !node.canConvertToExactIntegral()) {
            throw new InvalidModelException("config.json needs an integer \"" + field + "\""
                    + (node == null ? "" : ", not " + node));
        }
        return node.asInt();
    }

    /** num_labels, id2label, label2id and problem_type, as Hugging Face classifiers write them. */
    public static void putLabels(ObjectNode root, List<String> labels) {
        root.put("num_labels", labels.size());
        ObjectNode id2label = root.putObject("id2label");
        ObjectNode label2id = root.putObject("label2id");
        for (int i = 0; i < labels.size(); i++) {
            id2label.put(Integer.toString(i), labels.get(i));
            label2id.put(labels.get(i), i);
        }
        root.put("problem_type", "single_label_classification");
    }

    /** The labels of a Hugging Face classifier config (id2label, checked against num_labels), by id. */
    public static List<String> labels(JsonNode root) {
        JsonNode id2label = root.path("id2label");
        int numLabels = root.has("num_labels") ? requiredInt(root, "num_labels") : id2label.size();
        if (!id2label.isObject()) {
            throw new InvalidModelException("config.json needs an \"id2label\" object, e.g. {\"0\": \"cat\", \"1\": \"dog\"}");
        }
        if (id2label.size() != numLabels) {
            throw new InvalidModelException("config.json has num_labels " + numLabels + " but id2label has "
                    + id2label.size() + " entries");
        }
        List<String> labels = new ArrayList<>();
        for (int i = 0; i < numLabels; i++) {
            JsonNode label = id2label.get(Integer.toString(i));
            if (label == null || !label.isTextual()) {
                throw new InvalidModelException("config.json id2label has no label for id " + i
                        + "; ids must be \"0\".." + "\"" + (numLabels - 1) + "\"");
            }
            labels.add(label.textValue());
        }
        return labels;
    }

    /** The labels of a config that may be an encoder's: none when it has no id2label. */
    public static List<String> optionalLabels(JsonNode root) {
        JsonNode id2label = root.path("id2label");
        return id2label.isObject() && !id2label.isEmpty() ? labels(root) : List.of();
    }

    public static void validateLabels(List<String> labels) {
        if (labels.size() < 2) {
            throw new InvalidModelException("a classifier needs at least 2 labels, not " + labels.size());
        }
        if (new HashSet<>(labels).size() != labels.size()) {
            throw new InvalidModelException("labels must be distinct: " + labels);
        }
    }
}
