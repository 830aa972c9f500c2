package io.modelhub.runners.recipes.text.bert;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.fasterxml.jackson.databind.JsonNode;
import io.modelhub.runners.recipes.vision.ConfigJson;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How sentence-transformers turns token states into one sentence vector, read from a model folder's modules.json
 * (its Pooling module's config.json, whether a Normalize module follows) and sentence_bert_config.json
 * (max_seq_length). A folder without modules.json pools by the mean over the attention mask, unnormalised.
 */
public record SentencePooling(Mode mode, boolean normalize, int maxSeqLength) {

    public enum Mode { MEAN, CLS, MAX }

    public static final String MODULES_FILE = "modules.json";
    public static final String SBERT_CONFIG_FILE = "sentence_bert_config.json";

    /** Mean pooling, no normalisation, no length limit of its own. */
    public static final SentencePooling MEAN = new SentencePooling(Mode.MEAN, false, Integer.MAX_VALUE);

    public static SentencePooling read(Path dir) throws IOException {
        int maxSeqLength = Integer.MAX_VALUE;
        Path sbert = dir.resolve(SBERT_CONFIG_FILE);
        if (Files.isRegularFile(sbert)) {
            maxSeqLength = ConfigJson.JSON.readTree(sbert.toFile()).path("max_seq_length").asInt(Integer.MAX_VALUE);
        }
        Path modulesFile = dir.resolve(MODULES_FILE);
        if (!Files.isRegularFile(modulesFile)) {
            return new SentencePooling(Mode.MEAN, false, maxSeqLength);
        }
        Mode mode = Mode.MEAN;
        boolean normalize = false;
        for (JsonNode module : ConfigJson.JSON.readTree(modulesFile.toFile())) {
            String type = module.path("type").asText("");
            if (type.endsWith(".Normalize")) {
                normalize = true;
            } else if (type.endsWith(".Pooling")) {
                Path config = dir.resolve(module.path("path").asText("1_Pooling")).resolve("config.json");
                mode = Files.isRegularFile(config) ? mode(ConfigJson.JSON.readTree(config.toFile())) : Mode.MEAN;
            }
        }
        return new SentencePooling(mode, normalize, maxSeqLength);
    }

    private static Mode mode(JsonNode pooling) {
        String named = pooling.path("pooling_mode").asText("");
        if (named.equals("cls") || pooling.path("pooling_mode_cls_token").asBoolean(false)) {
            return Mode.CLS;
        }
        if (named.equals("max") || pooling.path("pooling_mode_max_tokens").asBoolean(false)) {
            return Mode.MAX;
        }
        if (named.isEmpty() || named.equals("mean") || pooling.path("pooling_mode_mean_tokens").asBoolean(false)) {
            return Mode.MEAN;
        }
        throw new InvalidModelException("1_Pooling/config.json asks for pooling \"" + named
                + "\"; supported are mean, cls and max");
    }

    /**
     * Sentence vectors (batch, hidden) of token states (batch, seq, hidden) under attention_mask (batch, seq), as
     * sentence-transformers computes them: the mean divides by the mask's sum clamped at 1e-9, max ignores padded
     * tokens, normalisation divides by the L2 norm clamped at 1e-12.
     */
    public NDArray pool(NDArray states, NDArray attentionMask) {
        NDArray mask = attentionMask.toType(DataType.FLOAT32, false).expandDims(-1);
        NDArray pooled = switch (mode) {
            case CLS -> states.get(":, 0, :");
            case MEAN -> states.mul(mask).sum(new int[] {1}).div(mask.sum(new int[] {1}).clip(1e-9f, Float.MAX_VALUE));
            case MAX -> states.add(mask.sub(1f).mul(1e9f)).max(new int[] {1});
        };
        if (!normalize) {
            return pooled;
        }
        NDArray norm = pooled.norm(new int[] {1}, true).clip(1e-12f, Float.MAX_VALUE);
        return pooled.div(norm);
    }
}
