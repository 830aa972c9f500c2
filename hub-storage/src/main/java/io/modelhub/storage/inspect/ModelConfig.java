package io.modelhub.storage.inspect;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * A transformers {@code config.json}: the fields the hub indexes, plus everything else as parsed. timm's configs
 * have no model_type and name one {@code architecture}: they are indexed as model type {@link #TIMM} with that
 * architecture.
 */
public final class ModelConfig {

    /** The model type of timm checkpoints (the runners load them as such: contract ModelTypes.TIMM). */
    public static final String TIMM = "timm";

    /** Real configs are a few KiB; anything this big is not one and is not worth holding in memory. */
    public static final int MAX_SIZE = 4 << 20;

    private final List<String> architectures;
    private final String modelType;
    private final Map<String, Object> raw;

    private ModelConfig(List<String> architectures, String modelType, Map<String, Object> raw) {
        this.architectures = architectures;
        this.modelType = modelType;
        this.raw = raw;
    }

    public static ModelConfig parse(byte[] json) throws InspectionException {
        if (json.length > MAX_SIZE) {
            throw new InspectionException("config.json is " + json.length + " bytes; a model config over "
                    + (MAX_SIZE >> 20) + " MiB is not plausible");
        }
        ObjectNode root = Json.readObject(json, "config.json");
        List<String> architectures = new ArrayList<>();
        JsonNode archNode = root.path("architectures");
        if (archNode.isTextual()) {
            architectures.add(archNode.textValue());
        }
        for (JsonNode arch : archNode.isArray() ? archNode : List.<JsonNode>of()) {
            if (!arch.isTextual()) {
                throw new InspectionException("config.json architectures must be strings, but has " + arch);
            }
            architectures.add(arch.textValue());
        }
        Map<String, Object> raw = Json.MAPPER.convertValue(root, new TypeReference<Map<String, Object>>() { });
        String modelType = modelTypeOf(raw);
        if (architectures.isEmpty() && TIMM.equals(modelType)) {
            architectures.add((String) raw.get("architecture"));
        }
        return new ModelConfig(List.copyOf(architectures), modelType, Collections.unmodifiableMap(raw));
    }

    /**
     * The model type of a parsed config.json, one convention for the hub and the runners: its {@code model_type},
     * else {@link #TIMM} for a timm config (a string {@code architecture} beside {@code pretrained_cfg} or
     * {@code num_classes}), else null.
     */
    public static String modelTypeOf(Map<String, ?> config) {
        if (config == null) {
            return null;
        }
        if (config.get("model_type") instanceof String s && !s.isBlank()) {
            return s;
        }
        if (config.get("architecture") instanceof String
                && (config.get("pretrained_cfg") instanceof Map || config.get("num_classes") instanceof Number)) {
            return TIMM;
        }
        return null;
    }

    /** E.g. {@code [BertForMaskedLM]}; empty when the config names none. */
    public List<String> architectures() {
        return architectures;
    }

    /** E.g. {@code bert}, or null when absent. */
    public String modelType() {
        return modelType;
    }

    public Map<String, Object> raw() {
        return raw;
    }
}
