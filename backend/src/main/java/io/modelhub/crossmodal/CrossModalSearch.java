package io.modelhub.crossmodal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.RepoFile;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.inference.InferenceInput;
import io.modelhub.inference.InferenceCalls;
import io.modelhub.inference.InferenceService;
import io.modelhub.platform.ApiException;
import io.modelhub.repos.Repo;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.inspect.InspectionException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Search across modalities with a "modelhub-dual-encoder" model, answered from the embedding index its training
 * run committed with it (index/embeddings.safetensors: "a" and "b", normalised, one row per line of
 * index/items.jsonl), ranked by dot product.
 * <p>
 * A typed text is embedded by the model's own text tower through inference (a serving runner runs the recipe's
 * DualEncoder; the hub runs no model). An image or clip query is one of the indexed items.
 */
@ApplicationScoped
public class CrossModalSearch {
    public static final String MODEL_TYPE = "modelhub-dual-encoder";
    static final String EMBEDDINGS = "index/embeddings.safetensors";
    static final String ITEMS = "index/items.jsonl";
    static final String PROMPTS = "index/prompts.jsonl";
    private static final int MAX_CACHED = 16;

    @Inject
    CommitService commits;
    @Inject
    BlobStore store;
    @Inject
    ObjectMapper json;
    @Inject
    InferenceService inference;
    @Inject
    InferenceCalls calls;

    private final Map<String, Index> cache = new ConcurrentHashMap<>();

    /** One side of the pairs: what it holds ("text", "vision", "audio") and which dataset column it came from. */
    public record Side(String modality, String column) {
    }

    public record Item(String split, String a, String b) {
    }

    /** A ranked answer: the item (text, or a path in the dataset), its pair partner, and the cosine similarity. */
    public record Hit(int rank, String item, String partner, String split, double score) {
    }

    /**
     * {@code searchedAs}: the query (the typed text, trimmed, or an indexed item); {@code side}: "a" or "b", the side
     * the hits are from.
     */
    public record Answer(String searchedAs, String side, List<Hit> hits) {
    }

    /** A zero-shot label's probability for an item. */
    public record LabelScore(String label, String prompt, double probability) {
    }

    /**
     * {@code labels}/{@code prompts}/{@code promptEmbeddings}: the zero-shot labels the run embedded (maybe none);
     * {@code scale}: exp(logit_scale), the model's inverse temperature.
     */
    public record Index(String commit, Side a, Side b, int dimensions, float[] embeddingsA, float[] embeddingsB,
                        List<Item> items, List<String> labels, List<String> prompts, float[] promptEmbeddings,
                        double scale) {
        public int size() {
            return items.size();
        }

        /** "a" or "b" for the text side, null when neither side is text. */
        public String textSide() {
            return a.modality().equals("text") ? "a" : b.modality().equals("text") ? "b" : null;
        }

        public Side side(String name) {
            return name.equals("a") ? a : b;
        }
    }

    /** The index of a dual encoder's head commit, or empty for other models and dual encoders without one. */
    public Optional<Index> index(Repo repo, String commit) {
        if (!MODEL_TYPE.equals(repo.modelType)) {
            return Optional.empty();
        }
        Index cached = cache.get(commit);
        if (cached != null) {
            return Optional.of(cached);
        }
        Map<String, RepoFile> files = new LinkedHashMap<>();
        for (RepoFile f : commits.files(commit)) {
            files.put(f.path(), f);
        }
        if (!files.containsKey(EMBEDDINGS) || !files.containsKey(ITEMS) || !files.containsKey("config.json")) {
            return Optional.empty();
        }
        try {
            JsonNode config = json.readTree(read(files.get("config.json")));
            Side a = new Side(config.path("tower_a").path("modality").asText(), config.path("tower_a").path("column").asText(""));
            Side b = new Side(config.path("tower_b").path("modality").asText(), config.path("tower_b").path("column").asText(""));
            List<Item> items = new ArrayList<>();
            for (String line : new String(read(files.get(ITEMS)), StandardCharsets.UTF_8).split("\n")) {
                if (!line.isBlank()) {
                    JsonNode node = json.readTree(line);
                    items.add(new Item(node.path("split").asText(""), node.path("a").asText(), node.path("b").asText()));
                }
            }
            RepoFile embeddings = files.get(EMBEDDINGS);
            Map<String, float[]> arrays = readF32(embeddings);
            float[] ea = arrays.get("a");
            float[] eb = arrays.get("b");
            if (ea == null || eb == null || ea.length != eb.length || items.isEmpty() || ea.length % items.size() != 0) {
                throw ApiException.badRequest(EMBEDDINGS + " does not match " + ITEMS + " (" + items.size() + " items)");
            }
            List<String> labels = new ArrayList<>();
            List<String> prompts = new ArrayList<>();
            if (files.containsKey(PROMPTS)) {
                for (String line : new String(read(files.get(PROMPTS)), StandardCharsets.UTF_8).split("\n")) {
                    if (!line.isBlank()) {
                        JsonNode node = json.readTree(line);
                        labels.add(node.path("label").asText());
                        prompts.add(node.path("prompt").asText());
                    }
                }
            }
            float[] ep = arrays.getOrDefault("prompts", new float[0]);
            int dimensions = ea.length / items.size();
            if (ep.length != labels.size() * dimensions) {
                throw ApiException.badRequest(EMBEDDINGS + " has " + ep.length / Math.max(1, dimensions)
                        + " prompt embeddings for " + labels.size() + " lines of " + PROMPTS);
            }
            double logitScale = Math.max(0, Math.min(Math.log(100), config.path("logit_scale").asDouble(Math.log(1 / 0.07))));
            Index index = new Index(commit, a, b, dimensions, ea, eb, List.copyOf(items), List.copyOf(labels),
                    List.copyOf(prompts), ep, Math.exp(logitScale));
            if (cache.size() >= MAX_CACHED) {
                cache.clear();
            }
            cache.put(commit, index);
            return Optional.of(index);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InspectionException e) {
            throw ApiException.badRequest(EMBEDDINGS + " is not a readable safetensors file: " + e.getMessage());
        }
    }

    /**
     * The other side's items ranked for a typed text, embedded by the model's own text tower on a serving runner
     * (feature-extraction of the dual encoder at the index's commit: any tokenizer, any text tower the runners load).
     *
     * @throws ApiException 503 with the reason when no runner serves, or the runner's refusal
     */
    public Answer byText(Repo model, Index index, String text, int k) throws InterruptedException {
        String textSide = index.textSide();
        if (textSide == null) {
            throw ApiException.badRequest("This model aligns " + index.a().modality() + " with " + index.b().modality()
                    + ": there is no text side to search with");
        }
        if (text == null || text.isBlank()) {
            throw ApiException.badRequest("Type a text to search for");
        }
        String query = text.trim();
        Work work = inference.prepareAt(model, index.commit(), InferenceProtocol.FEATURE_EXTRACTION,
                new InferenceInput(query, Map.of(), null));
        InferenceCalls.Answer answer = calls.call(work, calls.apiWaitMs());
        if (answer.reason() != null) {
            throw answer.unavailable();
        }
        if (!answer.ok()) {
            throw new ApiException(answer.status(), null, "The model's text tower could not embed the query: "
                    + answer.error());
        }
        float[] embedding = vector(answer.output());
        if (embedding == null || embedding.length != index.dimensions()) {
            throw new ApiException(500, null, "The text tower answered " + (embedding == null ? "no vector"
                    : embedding.length + " dimensions") + " but the index holds " + index.dimensions());
        }
        return rank(index, textSide, embedding, query, k);
    }

    /** A JSON vector as the runner answers feature-extraction for one text. */
    private static float[] vector(Object output) {
        if (!(output instanceof List<?> list) || !list.stream().allMatch(Number.class::isInstance)) {
            return null;
        }
        float[] v = new float[list.size()];
        for (int i = 0; i < v.length; i++) {
            v[i] = ((Number) list.get(i)).floatValue();
        }
        return v;
    }

    /** The other side's items ranked for an indexed item of {@code side} ("a" or "b"), e.g. an image's best captions. */
    public Answer byItem(Index index, String side, String item, int k) {
        for (int i = 0; i < index.size(); i++) {
            if (value(index, side, i).equals(item)) {
                return rank(index, side, i, k);
            }
        }
        throw ApiException.badRequest("'" + item + "' is not an item of this model's index");
    }

    /**
     * Zero-shot classification of an indexed media item of {@code side}: softmax over the labels of the model's
     * scale times the similarity of the item to each label's prompt, most likely first.
     */
    public List<LabelScore> zeroShot(Index index, String side, String item) {
        if (index.labels().isEmpty()) {
            return List.of();
        }
        int row = -1;
        for (int i = 0; i < index.size() && row < 0; i++) {
            if (value(index, side, i).equals(item)) {
                row = i;
            }
        }
        if (row < 0) {
            throw ApiException.badRequest("'" + item + "' is not an item of this model's index");
        }
        float[] embeddings = side.equals("a") ? index.embeddingsA() : index.embeddingsB();
        int d = index.dimensions();
        double[] logits = new double[index.labels().size()];
        double max = Double.NEGATIVE_INFINITY;
        for (int l = 0; l < logits.length; l++) {
            double s = 0;
            for (int k = 0; k < d; k++) {
                s += embeddings[row * d + k] * index.promptEmbeddings()[l * d + k];
            }
            logits[l] = index.scale() * s;
            max = Math.max(max, logits[l]);
        }
        double sum = 0;
        for (int l = 0; l < logits.length; l++) {
            logits[l] = Math.exp(logits[l] - max);
            sum += logits[l];
        }
        List<LabelScore> scores = new ArrayList<>();
        for (int l = 0; l < logits.length; l++) {
            scores.add(new LabelScore(index.labels().get(l), index.prompts().get(l), logits[l] / sum));
        }
        scores.sort(Comparator.comparingDouble(LabelScore::probability).reversed());
        return scores;
    }

    private Answer rank(Index index, String querySide, int row, int k) {
        float[] query = Arrays.copyOfRange(querySide.equals("a") ? index.embeddingsA() : index.embeddingsB(),
                row * index.dimensions(), (row + 1) * index.dimensions());
        return rank(index, querySide, query, value(index, querySide, row), k);
    }

    /** The other side's items by similarity to {@code query}, an embedding of the query side. */
    private Answer rank(Index index, String querySide, float[] query, String searchedAs, int k) {
        String other = querySide.equals("a") ? "b" : "a";
        float[] candidates = other.equals("a") ? index.embeddingsA() : index.embeddingsB();
        // the same text may caption several items: each distinct value is one hit, at its best score
        Map<String, Hit> best = new LinkedHashMap<>();
        for (int i = 0; i < index.size(); i++) {
            double score = 0;
            for (int d = 0; d < index.dimensions(); d++) {
                score += query[d] * candidates[i * index.dimensions() + d];
            }
            String value = value(index, other, i);
            Hit previous = best.get(value);
            if (previous == null || score > previous.score()) {
                best.put(value, new Hit(0, value, value(index, querySide, i), index.items().get(i).split(), score));
            }
        }
        List<Hit> sorted = best.values().stream().sorted(Comparator.comparingDouble(Hit::score).reversed())
                .limit(Math.max(1, Math.min(k, 100))).toList();
        List<Hit> hits = new ArrayList<>();
        for (int r = 0; r < sorted.size(); r++) {
            Hit h = sorted.get(r);
            hits.add(new Hit(r + 1, h.item(), h.partner(), h.split(), h.score()));
        }
        return new Answer(searchedAs, other, hits);
    }

    private static String value(Index index, String side, int row) {
        Item item = index.items().get(row);
        return side.equals("a") ? item.a() : item.b();
    }

    /** An indexed text, as an example query. */
    public static String exampleText(Index index) {
        String side = index.textSide();
        return side == null || index.items().isEmpty() ? "" : value(index, side, 0);
    }

    private byte[] read(RepoFile f) throws IOException {
        if (f.size() > 64L << 20) {
            throw ApiException.badRequest(f.path() + " is over 64 MB: too large for the hub to search in memory");
        }
        try (InputStream in = store.open(f.sha256(), 0, f.size())) {
            return in.readAllBytes();
        }
    }

    /** The F32 tensors of a safetensors file, flattened. */
    private Map<String, float[]> readF32(RepoFile f) throws IOException, InspectionException {
        return StoredTensors.readF32(store, f, name -> true, 64L << 20);
    }
}
