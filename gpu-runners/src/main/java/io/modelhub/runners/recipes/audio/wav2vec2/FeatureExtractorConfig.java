package io.modelhub.runners.recipes.audio.wav2vec2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * preprocessor_config.json of a transformers Wav2Vec2FeatureExtractor: raw mono samples at sampling_rate, each
 * clip normalised to zero mean and unit variance over its own samples when do_normalize, batches right-padded with
 * padding_value, and an attention mask only when return_attention_mask (transformers' convention: true for
 * feat_extract_norm "layer" models, false for "group" ones, which were trained on zero-padded batches without).
 * A folder without the file gets transformers' defaults, with return_attention_mask following that convention.
 */
public record FeatureExtractorConfig(JsonNode json, int samplingRate, boolean doNormalize, float paddingValue,
        boolean returnAttentionMask) {

    public static final String FILE = "preprocessor_config.json";
    /** The epsilon of transformers' zero_mean_unit_var_norm. */
    static final double NORMALIZE_EPS = 1e-7;

    public static FeatureExtractorConfig read(Path dir, Wav2Vec2Config model) throws IOException {
        Path file = dir.resolve(FILE);
        ObjectNode root;
        if (Files.isRegularFile(file)) {
            JsonNode node;
            try {
                node = ConfigJson.JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
            } catch (IOException e) {
                throw new InvalidModelException(FILE + " is not valid JSON: " + e.getMessage());
            }
            if (node == null || !node.isObject()) {
                throw new InvalidModelException(FILE + " must be a JSON object");
            }
            root = (ObjectNode) node;
        } else {
            root = ConfigJson.JSON.createObjectNode();
            root.put("do_normalize", true);
            root.put("feature_extractor_type", "Wav2Vec2FeatureExtractor");
            root.put("feature_size", 1);
            root.put("padding_side", "right");
            root.put("padding_value", 0.0);
            root.put("return_attention_mask", model.layerNormFeatures());
            root.put("sampling_rate", 16_000);
        }
        return of(root, model);
    }

    /** The extractor a preprocessor_config.json's object describes (as read, or as a dual encoder embeds it). */
    public static FeatureExtractorConfig of(ObjectNode root, Wav2Vec2Config model) {
        String type = root.path("feature_extractor_type").asText("Wav2Vec2FeatureExtractor");
        if (!type.equals("Wav2Vec2FeatureExtractor")) {
            throw new InvalidModelException(FILE + " has feature_extractor_type \"" + type
                    + "\"; a wav2vec2/HuBERT classifier reads raw audio through a Wav2Vec2FeatureExtractor");
        }
        int featureSize = root.path("feature_size").asInt(1);
        if (featureSize != 1) {
            throw new InvalidModelException(FILE + " has feature_size " + featureSize
                    + "; the wav2vec2 feature encoder reads one channel of raw samples (feature_size 1)");
        }
        if (!root.path("padding_side").asText("right").equals("right")) {
            throw new InvalidModelException(FILE + " has padding_side \"" + root.path("padding_side").asText()
                    + "\"; only \"right\" padding is supported");
        }
        int rate = root.path("sampling_rate").asInt(16_000);
        if (rate < 1) {
            throw new InvalidModelException(FILE + " has sampling_rate " + rate + "; it must be positive");
        }
        return new FeatureExtractorConfig(root, rate, root.path("do_normalize").asBoolean(true),
                (float) root.path("padding_value").asDouble(0.0),
                root.path("return_attention_mask").asBoolean(model.layerNormFeatures()));
    }

    /**
     * transformers' zero_mean_unit_var_norm of one clip: (x - mean) / sqrt(var + 1e-7) over the clip's own samples
     * (population variance), or the samples as they are without do_normalize.
     */
    public float[] normalize(float[] samples) {
        if (!doNormalize || samples.length == 0) {
            return samples.clone();
        }
        double mean = 0;
        for (float s : samples) {
            mean += s;
        }
        mean /= samples.length;
        double var = 0;
        for (float s : samples) {
            var += (s - mean) * (s - mean);
        }
        var /= samples.length;
        double scale = 1 / Math.sqrt(var + NORMALIZE_EPS);
        float[] out = new float[samples.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = (float) ((samples[i] - mean) * scale);
        }
        return out;
    }

    public void write(Path dir) throws IOException {
        Files.writeString(dir.resolve(FILE), ConfigJson.toString((ObjectNode) json), StandardCharsets.UTF_8);
    }
}
