package io.modelhub.runners.recipes.text;

import ai.djl.huggingface.tokenizers.Encoding;
import ai.djl.huggingface.tokenizers.HuggingFaceTokenizer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.runners.recipes.vision.InvalidModelException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Hugging Face tokenizer.json, run by DJL's binding of the Rust tokenizers library: texts become token ids
 * with [CLS]/[SEP] (or whatever the file's post-processor adds), truncated to a maximum length, padded here.
 * <p>
 * {@link #train} builds the tokenizer of a model pre-trained from scratch: a word-level vocabulary of the corpus's
 * most frequent lowercased words and punctuation marks, written as a standard tokenizer.json (WordLevel model,
 * Lowercase normalizer, BertPreTokenizer, [CLS] $A [SEP] template) plus a tokenizer_config.json, so that the
 * transformers library loads it as a PreTrainedTokenizerFast with the right special tokens.
 */
public final class TextTokenizer implements AutoCloseable {

    public static final String FILE = "tokenizer.json";
    public static final String CONFIG_FILE = "tokenizer_config.json";
    public static final String PAD = "[PAD]";
    public static final String UNK = "[UNK]";
    public static final String CLS = "[CLS]";
    public static final String SEP = "[SEP]";
    public static final String MASK = "[MASK]";
    /** Special tokens of a trained vocabulary, at ids 0..4 in this order. */
    public static final List<String> SPECIAL_TOKENS = List.of(PAD, UNK, CLS, SEP, MASK);
    private static final String[] PAD_CANDIDATES = {PAD, "<pad>", "<PAD>", "[pad]"};
    private static final String[] MASK_CANDIDATES = {MASK, "<mask>", "<MASK>"};

    /** What BertPreTokenizer yields on lowercased text, approximately: runs of word characters, or one mark. */
    private static final Pattern WORDS = Pattern.compile("[\\p{L}\\p{N}_]+|[^\\s\\p{L}\\p{N}_]");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final HuggingFaceTokenizer tokenizer;
    private final int maxLength;
    private final long padId;
    private final long maskId;
    private final String maskToken;
    private final int vocabSize;
    private final List<Long> specialIds;

    private TextTokenizer(HuggingFaceTokenizer tokenizer, int maxLength, long padId, long maskId, String maskToken,
            int vocabSize,
            List<Long> specialIds) {
        this.tokenizer = tokenizer;
        this.maxLength = maxLength;
        this.padId = padId;
        this.maskId = maskId;
        this.maskToken = maskToken;
        this.vocabSize = vocabSize;
        this.specialIds = List.copyOf(specialIds);
    }

    /**
     * Loads {@code dir/tokenizer.json}; sequences are truncated to {@code maxLength} tokens, special tokens
     * included.
     */
    public static TextTokenizer load(Path dir, int maxLength) throws IOException {
        Path file = dir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            throw new InvalidModelException("model has no " + FILE + " (looked for " + file + ")");
        }
        JsonNode root;
        try {
            root = JSON.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new InvalidModelException(FILE + " is not valid JSON: " + e.getMessage(), e);
        }
        Map<String, Long> vocab = vocabulary(root);
        long padId = root.path("padding").path("pad_id").canConvertToLong()
                ? root.path("padding").path("pad_id").asLong() : find(vocab, PAD_CANDIDATES, 0L);
        Long maskId = find(vocab, MASK_CANDIDATES, null);
        String maskToken = null;
        for (String candidate : MASK_CANDIDATES) {
            if (maskToken == null && vocab.containsKey(candidate)) {
                maskToken = candidate;
            }
        }
        List<Long> specialIds = new ArrayList<>();
        for (JsonNode added : root.path("added_tokens")) {
            if (added.path("special").asBoolean(false) && added.path("id").canConvertToLong()) {
                specialIds.add(added.path("id").asLong());
            }
        }
        long maxId = vocab.values().stream().mapToLong(Long::longValue).max().orElse(-1);
        HuggingFaceTokenizer tokenizer;
        try {
            tokenizer = HuggingFaceTokenizer.builder()
                    .optTokenizerPath(file)
                    .optAddSpecialTokens(true)
                    .optTruncation(true)
                    .optMaxLength(maxLength)
                    .optPadding(false)
                    .build();
        } catch (RuntimeException e) {
            throw new InvalidModelException(FILE + " cannot be loaded by the tokenizers library: " + e.getMessage(), e);
        }
        return new TextTokenizer(tokenizer, maxLength, padId, maskId == null ? -1 : maskId, maskToken, (int) maxId + 1,
                specialIds);
    }

    /**
     * Builds a word-level tokenizer from {@code corpus} and writes tokenizer.json and tokenizer_config.json into
     * {@code dir}: the 5 special tokens, then the words seen at least {@code minFrequency} times, most frequent
     * first (ties alphabetical), up to {@code vocabSize} entries in all.
     */
    public static void train(List<String> corpus, int vocabSize, int minFrequency, int maxLength, Path dir)
            throws IOException {
        Map<String, Integer> counts = new HashMap<>();
        for (String text : corpus) {
            Matcher m = WORDS.matcher(text.toLowerCase(Locale.ROOT));
            while (m.find()) {
                counts.merge(m.group(), 1, Integer::sum);
            }
        }
        List<String> words = counts.entrySet().stream()
                .filter(e -> e.getValue() >= minFrequency && !SPECIAL_TOKENS.contains(e.getKey()))
                .sorted(Map.Entry.<String, Integer>comparingByValue().reversed().thenComparing(Map.Entry.comparingByKey()))
                .limit(Math.max(0, vocabSize - SPECIAL_TOKENS.size()))
                .map(Map.Entry::getKey).toList();

        ObjectNode root = JSON.createObjectNode();
        root.put("version", "1.0");
        root.putNull("truncation");
        root.putNull("padding");
        ArrayNode added = root.putArray("added_tokens");
        for (int i = 0; i < SPECIAL_TOKENS.size(); i++) {
            ObjectNode token = added.addObject();
            token.put("id", i);
            token.put("content", SPECIAL_TOKENS.get(i));
            token.put("single_word", false);
            token.put("lstrip", false);
            token.put("rstrip", false);
            token.put("normalized", false);
            token.put("special", true);
        }
        root.putObject("normalizer").put("type", "Lowercase");
        root.putObject("pre_tokenizer").put("type", "BertPreTokenizer");
        ObjectNode post = root.putObject("post_processor");
        post.put("type", "TemplateProcessing");
        ArrayNode single = post.putArray("single");
        special(single, CLS, 0);
        sequence(single, "A", 0);
        special(single, SEP, 0);
        ArrayNode pair = post.putArray("pair");
        special(pair, CLS, 0);
        sequence(pair, "A", 0);
        special(pair, SEP, 0);
        sequence(pair, "B", 1);
        special(pair, SEP, 1);
        ObjectNode specials = post.putObject("special_tokens");
        for (String token : List.of(CLS, SEP)) {
            ObjectNode entry = specials.putObject(token);
            entry.put("id", token);
            entry.putArray("ids").add(SPECIAL_TOKENS.indexOf(token));
            entry.putArray("tokens").add(token);
        }
        root.putNull("decoder");
        ObjectNode model = root.putObject("model");
        model.put("type", "WordLevel");
        ObjectNode vocab = model.putObject("vocab");
        for (int i = 0; i < SPECIAL_TOKENS.size(); i++) {
            vocab.put(SPECIAL_TOKENS.get(i), i);
        }
        for (int i = 0; i < words.size(); i++) {
            vocab.put(words.get(i), SPECIAL_TOKENS.size() + i);
        }
        model.put("unk_token", UNK);
        write(dir.resolve(FILE), JSON.writeValueAsString(root) + "\n");

        ObjectNode config = JSON.createObjectNode();
        config.put("tokenizer_class", "PreTrainedTokenizerFast");
        config.put("pad_token", PAD);
        config.put("unk_token", UNK);
        config.put("cls_token", CLS);
        config.put("sep_token", SEP);
        config.put("mask_token", MASK);
        config.put("model_max_length", maxLength);
        config.put("do_lower_case", true);
        write(dir.resolve(CONFIG_FILE), JSON.writeValueAsString(config) + "\n");
    }

    /**
     * Copies tokenizer.json and, where present, the other tokenizer files transformers reads or writes
     * (tokenizer_config.json, special_tokens_map.json, and the slow tokenizers' vocab.txt, vocab.json,
     * merges.txt, sentencepiece.bpe.model) between models.
     */
    public static void copy(Path fromDir, Path toDir) throws IOException {
        Files.createDirectories(toDir);
        for (String name : List.of(FILE, CONFIG_FILE, "special_tokens_map.json", "vocab.txt", "vocab.json",
                "merges.txt", "sentencepiece.bpe.model")) {
            Path from = fromDir.resolve(name);
            if (Files.isRegularFile(from)) {
                Files.copy(from, toDir.resolve(name), StandardCopyOption.REPLACE_EXISTING);
            }
        }
    }

    /** Token ids of each text, with special tokens, truncated; not padded. */
    public long[][] encode(List<String> texts) {
        Encoding[] encodings = tokenizer.batchEncode(texts);
        long[][] ids = new long[encodings.length][];
        for (int i = 0; i < encodings.length; i++) {
            ids[i] = encodings[i].getIds();
        }
        return ids;
    }

    public long padId() {
        return padId;
    }

    /** The id of [MASK] (or &lt;mask&gt;), or -1 when the vocabulary has none. */
    public long maskId() {
        return maskId;
    }

    /** The mask token as a text spells it ("[MASK]" or "&lt;mask&gt;"), or null when the vocabulary has none. */
    public String maskToken() {
        return maskToken;
    }

    /** The text of token ids as the tokenizer's decoder writes it, special tokens left out when asked. */
    public String decode(long[] ids, boolean skipSpecialTokens) {
        return tokenizer.decode(ids, skipSpecialTokens);
    }

    /** One more than the largest id of the vocabulary. */
    public int vocabSize() {
        return vocabSize;
    }

    public int maxLength() {
        return maxLength;
    }

    public boolean isSpecial(long id) {
        return specialIds.contains(id) || id == padId;
    }

    @Override
    public void close() {
        tokenizer.close();
    }

    private static Map<String, Long> vocabulary(JsonNode root) {
        Map<String, Long> vocab = new HashMap<>();
        JsonNode model = root.path("model").path("vocab");
        if (model.isObject()) {
            model.fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().asLong()));
        } else if (model.isArray()) {
            // Unigram: [[piece, score], ...], ids are positions
            for (int i = 0; i < model.size(); i++) {
                vocab.put(model.get(i).path(0).asText(), (long) i);
            }
        }
        for (JsonNode added : root.path("added_tokens")) {
            vocab.put(added.path("content").asText(), added.path("id").asLong());
        }
        if (vocab.isEmpty()) {
            throw new InvalidModelException(FILE + " has no vocabulary (model.vocab)");
        }
        return vocab;
    }

    private static Long find(Map<String, Long> vocab, String[] candidates, Long fallback) {
        for (String candidate : candidates) {
            Long id = vocab.get(candidate);
            if (id != null) {
                return id;
            }
        }
        return fallback;
    }

    private static void special(ArrayNode template, String token, int typeId) {
        ObjectNode node = template.addObject().putObject("SpecialToken");
        node.put("id", token);
        node.put("type_id", typeId);
    }

    private static void sequence(ArrayNode template, String id, int typeId) {
        ObjectNode node = template.addObject().putObject("Sequence");
        node.put("id", id);
        node.put("type_id", typeId);
    }

    private static void write(Path file, String content) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Files.writeString(file, content, StandardCharsets.UTF_8);
    }
}
