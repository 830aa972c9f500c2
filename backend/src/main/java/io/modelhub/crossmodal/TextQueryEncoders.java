package io.modelhub.crossmodal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.RepoFile;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.inspect.InspectionException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The text tower of a dual encoder's commit, ready to embed typed queries ({@link TextTowerEncoder}), loaded on
 * first use from the commit's config.json, tokenizer.json and the tower's own tensors of model.safetensors (ranged
 * reads; the other tower is never read). A few commits are kept, least recently used evicted; a commit whose tower
 * the hub cannot run is remembered with the reason, since commits never change.
 */
@ApplicationScoped
public class TextQueryEncoders {
    static final int MAX_CACHED = 4;
    /** 64M float parameters: a text tower beyond that should be served by a runner, not on the hub's heap. */
    static final long MAX_TOWER_BYTES = 256L << 20;
    private static final long MAX_JSON_BYTES = 64L << 20;

    @Inject
    CommitService commits;
    @Inject
    BlobStore store;
    @Inject
    ObjectMapper json;

    /** Either an encoder or why there is none. */
    public record Loaded(TextTowerEncoder encoder, String unavailable) {
    }

    private final Map<String, Loaded> cache = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Loaded> eldest) {
            return size() > MAX_CACHED;
        }
    };

    /** The encoder of the text tower on {@code side} ("a" or "b") of a dual encoder commit. */
    public Loaded forCommit(String commit, String side) {
        String key = commit + ":" + side;
        synchronized (cache) {
            Loaded cached = cache.get(key);
            if (cached != null) {
                return cached;
            }
        }
        Loaded loaded;
        try {
            loaded = new Loaded(load(commit, side), null);
        } catch (UnsupportedTowerException e) {
            loaded = new Loaded(null, e.getMessage());
        }
        synchronized (cache) {
            cache.put(key, loaded);
        }
        return loaded;
    }

    private TextTowerEncoder load(String commit, String side) {
        Map<String, RepoFile> files = new HashMap<>();
        for (RepoFile f : commits.files(commit)) {
            files.put(f.path(), f);
        }
        for (String needed : new String[] {"config.json", "tokenizer.json", "model.safetensors"}) {
            if (!files.containsKey(needed)) {
                throw new UnsupportedTowerException("the model has no " + needed);
            }
        }
        try {
            JsonNode tower = json.readTree(readSmall(files.get("config.json"))).path("tower_" + side);
            JsonNode config = tower.path("config");
            String type = config.path("model_type").asText("(none)");
            if (!type.equals("modelhub-text")) {
                throw new UnsupportedTowerException("its text tower is " + type + "; the hub encodes queries only with"
                        + " modelhub-text towers");
            }
            WordLevelTokenizer tokenizer = WordLevelTokenizer.parse(json.readTree(readSmall(files.get("tokenizer.json"))),
                    config.path("max_position_embeddings").asInt(0));
            String prefix = "tower_" + side + ".";
            String projection = "projection_" + side + ".weight";
            Map<String, float[]> stored = StoredTensors.readF32(store, files.get("model.safetensors"),
                    name -> name.equals(projection)
                            || name.startsWith(prefix) && TextTowerEncoder.isEncoderTensor(name.substring(prefix.length())),
                    MAX_TOWER_BYTES);
            Map<String, float[]> weights = new HashMap<>();
            stored.forEach((name, values) -> weights.put(name.equals(projection) ? "projection" : name.substring(prefix.length()), values));
            return new TextTowerEncoder(config, tokenizer, weights);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new UnsupportedTowerException("config.json or tokenizer.json is not valid JSON: " + e.getOriginalMessage());
        } catch (InspectionException e) {
            throw new UnsupportedTowerException("model.safetensors: " + e.getMessage());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private byte[] readSmall(RepoFile f) throws IOException {
        if (f.size() > MAX_JSON_BYTES) {
            throw new UnsupportedTowerException(f.path() + " is over 64 MB");
        }
        try (InputStream in = store.open(f.sha256(), 0, f.size())) {
            return in.readAllBytes();
        }
    }
}
