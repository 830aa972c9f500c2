package io.modelhub.leaderboards;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.TreeMap;

/**
 * Everything an evaluation's score depends on: recipe and version, model commit, dataset revision, split, metric,
 * seed, and what the runner's evaluator reports (its model type and version, the preprocessing). Two evaluations
 * with the same fingerprint must score the same within {@link #TOLERANCE}; the sha256 of its canonical JSON
 * (sorted keys) finds them.
 */
public final class Fingerprint {
    /** Scores of the same fingerprint agree to this (absolute); CPU evaluation is deterministic, so this is slack for GPUs. */
    public static final double TOLERANCE = 1e-6;

    private static final ObjectMapper CANONICAL = new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

    private Fingerprint() {
    }

    public static Map<String, Object> of(String recipe, String recipeVersion, String model, String modelCommit, String dataset,
                                         String datasetRevision, String split, String metric, long seed, Object runnerDetails) {
        Map<String, Object> f = new TreeMap<>();
        f.put("recipe", recipe);
        f.put("recipe_version", recipeVersion);
        f.put("model", model);
        f.put("model_commit", modelCommit);
        f.put("dataset", dataset);
        f.put("dataset_revision", datasetRevision);
        f.put("split", split);
        f.put("metric", metric);
        f.put("seed", seed);
        if (runnerDetails instanceof Map<?, ?> details) {
            details.forEach((k, v) -> {
                // the example count is an outcome, not an input
                if (!"examples".equals(k)) {
                    f.put(k.toString(), v);
                }
            });
        }
        return f;
    }

    public static String sha256(Map<String, Object> fingerprint) {
        try {
            byte[] canonical = CANONICAL.writeValueAsBytes(fingerprint);
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
        } catch (NoSuchAlgorithmException | com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
