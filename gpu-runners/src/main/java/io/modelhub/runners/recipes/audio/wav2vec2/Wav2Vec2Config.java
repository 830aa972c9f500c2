package io.modelhub.runners.recipes.audio.wav2vec2;

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
import java.util.List;

/**
 * A transformers Wav2Vec2Config or HubertConfig (config.json, model_type "wav2vec2" or "hubert") with
 * transformers' field names and defaults. The JSON is kept whole, so fields this runner does not use
 * (vocab_size, mask_time_prob, ...) are written back as they were.
 *
 * @param convDim conv_dim, the output channels of each feature-encoder convolution
 * @param layerNormFeatures feat_extract_norm "layer" (a LayerNorm after every convolution) rather than "group"
 *     (a GroupNorm with one group per channel after the first one only)
 * @param featProjLayerNorm whether the feature projection starts with a LayerNorm (always for wav2vec2; HuBERT's
 *     feat_proj_layer_norm)
 * @param stableLayerNorm do_stable_layer_norm: pre-LN encoder layers and the encoder LayerNorm at the end
 */
public record Wav2Vec2Config(JsonNode json, String modelType, List<Integer> convDim, List<Integer> convKernel,
        List<Integer> convStride, boolean convBias, boolean layerNormFeatures, int hiddenSize, int layers, int heads,
        int intermediateSize, float layerNormEps, boolean featProjLayerNorm, int numConvPosEmbeddings,
        int numConvPosEmbeddingGroups, boolean stableLayerNorm, boolean weightedLayerSum, int classifierProjSize,
        float hiddenDropout, float activationDropout, float attentionDropout, float featProjDropout,
        List<String> labels, List<String> architectures) {

    public static final String FILE = "config.json";

    public Wav2Vec2Config {
        labels = List.copyOf(labels);
        architectures = List.copyOf(architectures);
    }

    public static Wav2Vec2Config read(Path file) throws IOException {
        return parse(ConfigJson.read(file));
    }

    public static Wav2Vec2Config parse(String text) {
        JsonNode root;
        try {
            root = ConfigJson.JSON.readTree(text);
        } catch (IOException e) {
            throw new InvalidModelException("config.json is not valid JSON: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw new InvalidModelException("config.json must be a JSON object");
        }
        String type = root.path("model_type").asText("");
        if (!ModelTypes.AUDIO_PRETRAINED.contains(type)) {
            throw new InvalidModelException("config.json has model_type \"" + type + "\"; expected one of "
                    + ModelTypes.AUDIO_PRETRAINED);
        }
        boolean hubert = ModelTypes.HUBERT.equals(type);
        List<Integer> dims = ints(root, "conv_dim", List.of(512, 512, 512, 512, 512, 512, 512));
        List<Integer> kernels = ints(root, "conv_kernel", List.of(10, 3, 3, 3, 3, 2, 2));
        List<Integer> strides = ints(root, "conv_stride", List.of(5, 2, 2, 2, 2, 2, 2));
        if (dims.size() != kernels.size() || dims.size() != strides.size() || dims.isEmpty()) {
            throw new InvalidModelException("config.json has conv_dim of " + dims.size() + ", conv_kernel of "
                    + kernels.size() + " and conv_stride of " + strides.size() + " entries; they must be as many");
        }
        String norm = root.path("feat_extract_norm").asText("group");
        if (!norm.equals("group") && !norm.equals("layer")) {
            throw new InvalidModelException("config.json has feat_extract_norm \"" + norm
                    + "\"; transformers knows \"group\" and \"layer\"");
        }
        for (String field : List.of("feat_extract_activation", "hidden_act")) {
            String act = root.path(field).asText("gelu");
            if (!act.equals("gelu")) {
                throw new InvalidModelException("config.json has " + field + " \"" + act
                        + "\"; this runner computes \"gelu\" (what every published wav2vec2 and HuBERT uses)");
            }
        }
        if (root.path("conv_pos_batch_norm").asBoolean(false)) {
            throw new InvalidModelException("config.json has conv_pos_batch_norm true, which this runner does "
                    + "not implement");
        }
        if (root.has("adapter_attn_dim") && !root.get("adapter_attn_dim").isNull()
                || root.path("add_adapter").asBoolean(false)) {
            throw new InvalidModelException("config.json asks for adapters (add_adapter / adapter_attn_dim), which "
                    + "this runner does not implement");
        }
        int hidden = positive(root, "hidden_size", 768);
        int heads = positive(root, "num_attention_heads", 12);
        if (hidden % heads != 0) {
            throw new InvalidModelException("config.json has hidden_size " + hidden
                    + ", not divisible by num_attention_heads " + heads);
        }
        int groups = positive(root, "num_conv_pos_embedding_groups", 16);
        if (hidden % groups != 0) {
            throw new InvalidModelException("config.json has hidden_size " + hidden
                    + ", not divisible by num_conv_pos_embedding_groups " + groups);
        }
        List<String> architectures = new ArrayList<>();
        root.path("architectures").forEach(a -> architectures.add(a.asText()));
        return new Wav2Vec2Config(root, type, dims, kernels, strides, root.path("conv_bias").asBoolean(false),
                norm.equals("layer"), hidden, positive(root, "num_hidden_layers", 12), heads,
                positive(root, "intermediate_size", 3072), (float) root.path("layer_norm_eps").asDouble(1e-5),
                !hubert || root.path("feat_proj_layer_norm").asBoolean(true),
                positive(root, "num_conv_pos_embeddings", 128), groups,
                root.path("do_stable_layer_norm").asBoolean(false),
                root.path("use_weighted_layer_sum").asBoolean(false),
                positive(root, "classifier_proj_size", 256),
                (float) root.path("hidden_dropout").asDouble(0.1),
                (float) root.path("activation_dropout").asDouble(0.1),
                (float) root.path("attention_dropout").asDouble(0.1),
                (float) root.path("feat_proj_dropout").asDouble(0.0),
                ConfigJson.optionalLabels(root), architectures);
    }

    private static List<Integer> ints(JsonNode root, String field, List<Integer> fallback) {
        JsonNode node = root.get(field);
        if (node == null) {
            return fallback;
        }
        if (!node.isArray()) {
            throw new InvalidModelException("config.json \"" + field + "\" must be a list of integers, not " + node);
        }
        List<Integer> values = new ArrayList<>();
        for (JsonNode v : node) {
            if (!v.canConvertToExactIntegral() || v.asInt() < 1) {
                throw new InvalidModelException("config.json \"" + field + "\" must hold positive integers, not "
                        + node);
            }
            values.add(v.asInt());
        }
        return List.copyOf(values);
    }

    private static int positive(JsonNode root, String field, int fallback) {
        if (!root.has(field)) {
            return fallback;
        }
        int value = ConfigJson.requiredInt(root, field);
        if (value < 1) {
            throw new InvalidModelException("config.json \"" + field + "\" must be positive, not " + value);
        }
        return value;
    }

    /** "wav2vec2" or "hubert": the base_model_prefix under which a *ForX checkpoint holds the encoder. */
    public String basePrefix() {
        return modelType;
    }

    /** Wav2Vec2ForSequenceClassification or HubertForSequenceClassification. */
    public String classifierArchitecture() {
        return (ModelTypes.HUBERT.equals(modelType) ? "Hubert" : "Wav2Vec2") + "ForSequenceClassification";
    }

    public boolean isClassifier() {
        return architectures.contains(classifierArchitecture());
    }

    public int headSize() {
        return hiddenSize / heads;
    }

    /** Frames the feature encoder makes of {@code samples} samples: transformers' _get_feat_extract_output_lengths. */
    public long frames(long samples) {
        long length = samples;
        for (int i = 0; i < convKernel.size(); i++) {
            length = Math.max(0, Math.floorDiv(length - convKernel.get(i), convStride.get(i)) + 1);
        }
        return length;
    }

    /** Samples per frame: the product of the strides (320 for the published models). */
    public int hop() {
        return convStride.stream().reduce(1, (a, b) -> a * b);
    }

    /** The receptive field of one frame in samples (400 for the published models): the shortest usable clip. */
    public int receptiveField() {
        int field = 1;
        for (int i = convKernel.size() - 1; i >= 0; i--) {
            field = (field - 1) * convStride.get(i) + convKernel.get(i);
        }
        return field;
    }

    /** This encoder under a *ForSequenceClassification head for {@code labels}. */
    public Wav2Vec2Config withLabels(List<String> labels) {
        ConfigJson.validateLabels(labels);
        ObjectNode root = json.deepCopy();
        ArrayNode arch = root.putArray("architectures");
        arch.add(classifierArchitecture());
        ConfigJson.putLabels(root, labels);
        return parse(ConfigJson.toString(root));
    }

    public void write(Path file) throws IOException {
        Files.writeString(file, ConfigJson.toString((ObjectNode) json), StandardCharsets.UTF_8);
    }
}
