package io.modelhub.crossmodal;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The Hugging Face tokenizer.json kind that the runner's text pre-training writes (gpu-runners TextTokenizer.train),
 * re-implemented in Java so that the hub can tokenise a typed query the way the runner's tokenizers library does:
 * added tokens ([CLS], ...) matched verbatim first, a Lowercase normalizer, the BertPreTokenizer (split on
 * whitespace, each punctuation mark its own token), a WordLevel model (unknown words -> its unk_token), truncation to
 * {@code maxLength} tokens special tokens included (the runner's DJL tokenizer truncates with room for them), then the
 * TemplateProcessing post-processor's single-sequence template ("[CLS] $A [SEP]").
 * Any other model, normalizer, pre-tokenizer or post-processor is refused with {@link UnsupportedTowerException}:
 * BPE, WordPiece or Unigram would need their own algorithms, and a near miss would give silently wrong embeddings.
 */
public final class WordLevelTokenizer {

    private final Map<String, Integer> vocab;
    private final int unkId;
    private final List<AddedToken> added;
    private final List<Object> template;
    private final int specialsInTemplate;
    private final int maxLength;

    /** A token matched in the raw text before normalisation; {@code content} is what it matches. */
    private record AddedToken(String content, int id) {
    }

    private WordLevelTokenizer(Map<String, Integer> vocab, int unkId, List<AddedToken> added, List<Object> template,
                               int maxLength) {
        this.vocab = vocab;
        this.unkId = unkId;
        this.added = added;
        this.template = template;
        this.specialsInTemplate = (int) template.stream().filter(t -> t instanceof int[]).mapToInt(t -> ((int[]) t).length).sum();
        this.maxLength = maxLength;
        if (maxLength <= specialsInTemplate) {
            throw new UnsupportedTowerException("a maximum length of " + maxLength + " tokens leaves no room beside the "
                    + specialsInTemplate + " special tokens the post-processor adds");
        }
    }

    /**
     * @param root      a parsed tokenizer.json
     * @param maxLength the most tokens an encoding may have, special tokens included (the model's
     *                  max_position_embeddings, as the runner's text tower uses it)
     */
    public static WordLevelTokenizer parse(JsonNode root, int maxLength) {
        if (root == null || !root.isObject()) {
            throw new UnsupportedTowerException("tokenizer.json is not a JSON object");
        }
        String model = root.path("model").path("type").asText("(none)");
        if (!model.equals("WordLevel")) {
            throw new UnsupportedTowerException("tokenizer.json has a " + model + " model; the hub encodes queries only"
                    + " with the WordLevel tokenizer that modelhub-text pre-training writes");
        }
        requireType(root, "normalizer", "Lowercase");
        requireType(root, "pre_tokenizer", "BertPreTokenizer");
        Map<String, Integer> vocab = new HashMap<>();
        JsonNode words = root.path("model").path("vocab");
        if (!words.isObject() || words.isEmpty()) {
            throw new UnsupportedTowerException("tokenizer.json has no WordLevel vocabulary (model.vocab)");
        }
        words.fields().forEachRemaining(e -> vocab.put(e.getKey(), id(e.getValue(), "model.vocab." + e.getKey())));
        List<AddedToken> added = new ArrayList<>();
        for (JsonNode token : root.path("added_tokens")) {
            String content = token.path("content").asText("");
            if (!content.isEmpty()) {
                added.add(new AddedToken(content, id(token.path("id"), "added token " + content)));
            }
        }
        // leftmost-longest matching, as the tokenizers library's added-vocabulary matcher does
        added.sort(Comparator.comparingInt((AddedToken t) -> t.content().length()).reversed());
        String unk = root.path("model").path("unk_token").asText("");
        Integer unkId = vocab.get(unk);
        if (unkId == null) {
            throw new UnsupportedTowerException("tokenizer.json's unk_token \"" + unk + "\" is not in its vocabulary");
        }
        int truncation = root.path("truncation").path("max_length").asInt(maxLength);
        return new WordLevelTokenizer(vocab, unkId, List.copyOf(added), template(root.path("post_processor")),
                Math.min(maxLength, truncation));
    }

    /** The token ids of {@code text} with the template's special tokens, at most {@code maxLength()} of them. */
    public int[] encode(String text) {
        List<Integer> ids = new ArrayList<>();
        String rest = text;
        int i = 0;
        int start = 0;
        while (i < rest.length()) {
            AddedToken match = null;
            for (AddedToken t : added) {
                if (rest.startsWith(t.content(), i)) {
                    match = t;
                    break;
                }
            }
            if (match == null) {
                i++;
                continue;
            }
            words(rest.substring(start, i), ids);
            ids.add(match.id());
            i += match.content().length();
            start = i;
        }
        words(rest.substring(start), ids);
        int room = maxLength - specialsInTemplate;
        List<Integer> sequence = ids.size() > room ? ids.subList(0, room) : ids;
        List<Integer> out = new ArrayList<>();
        for (Object part : template) {
            if (part instanceof int[] specials) {
                for (int id : specials) {
                    out.add(id);
                }
            } else {
                out.addAll(sequence);
            }
        }
        return out.stream().mapToInt(Integer::intValue).toArray();
    }

    public int maxLength() {
        return maxLength;
    }

    /** Lowercase, BertPreTokenizer, WordLevel lookup of a stretch of text between added tokens. */
    private void words(String piece, List<Integer> into) {
        String text = lowercase(piece);
        StringBuilder word = new StringBuilder();
        int i = 0;
        while (i < text.length()) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            if (isWhitespace(cp) || isPunctuation(cp)) {
                flush(word, into);
                if (!isWhitespace(cp)) {
                    word.appendCodePoint(cp);
                    flush(word, into);
                }
            } else {
                word.appendCodePoint(cp);
            }
        }
        flush(word, into);
    }

    private void flush(StringBuilder word, List<Integer> into) {
        if (word.length() > 0) {
            into.add(vocab.getOrDefault(word.toString(), unkId));
            word.setLength(0);
        }
    }

    /** Per character, as the Lowercase normalizer does (no context-dependent final sigma). */
    private static String lowercase(String text) {
        StringBuilder out = new StringBuilder(text.length());
        text.codePoints().forEach(cp -> out.append(new String(Character.toChars(cp)).toLowerCase(Locale.ROOT)));
        return out.toString();
    }

    /** Unicode White_Space, which Rust's char::is_whitespace tests (Java's isWhitespace differs on a few). */
    static boolean isWhitespace(int cp) {
        return (cp >= 0x09 && cp <= 0x0D) || cp == 0x20 || cp == 0x85 || cp == 0xA0 || cp == 0x1680
                || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 || cp == 0x2029 || cp == 0x202F || cp == 0x205F
                || cp == 0x3000;
    }

    /** BertPreTokenizer's punctuation: any ASCII punctuation (so also $ + < = > ^ ` | ~) or a Unicode P* character. */
    static boolean isPunctuation(int cp) {
        if (cp < 0x80) {
            return (cp >= 0x21 && cp <= 0x2F) || (cp >= 0x3A && cp <= 0x40) || (cp >= 0x5B && cp <= 0x60)
                    || (cp >= 0x7B && cp <= 0x7E);
        }
        switch (Character.getType(cp)) {
            case Character.CONNECTOR_PUNCTUATION:
            case Character.DASH_PUNCTUATION:
            case Character.START_PUNCTUATION:
            case Character.END_PUNCTUATION:
            case Character.INITIAL_QUOTE_PUNCTUATION:
            case Character.FINAL_QUOTE_PUNCTUATION:
            case Character.OTHER_PUNCTUATION:
                return true;
            default:
                return false;
        }
    }

    /** The single-sequence template: int[] for a special token's ids, the string "A" for the sequence. */
    private static List<Object> template(JsonNode post) {
        if (post.isMissingNode() || post.isNull()) {
            return List.of("A");
        }
        String type = post.path("type").asText("(none)");
        if (!type.equals("TemplateProcessing")) {
            throw new UnsupportedTowerException("tokenizer.json has a " + type + " post-processor; the hub encodes "
                    + "queries only with TemplateProcessing (\"[CLS] $A [SEP]\")");
        }
        List<Object> parts = new ArrayList<>();
        for (JsonNode piece : post.path("single")) {
            if (piece.has("SpecialToken")) {
                String name = piece.path("SpecialToken").path("id").asText();
                JsonNode ids = post.path("special_tokens").path(name).path("ids");
                if (!ids.isArray() || ids.isEmpty()) {
                    throw new UnsupportedTowerException("tokenizer.json's template names the special token " + name
                            + " but special_tokens has no ids for it");
                }
                int[] values = new int[ids.size()];
                for (int i = 0; i < values.length; i++) {
                    values[i] = id(ids.get(i), "special token " + name);
                }
                parts.add(values);
            } else if (piece.path("Sequence").path("id").asText("").equals("A")) {
                parts.add("A");
            } else {
                throw new UnsupportedTowerException("tokenizer.json's single-sequence template has an unknown piece " + piece);
            }
        }
        if (!parts.contains("A")) {
            throw new UnsupportedTowerException("tokenizer.json's single-sequence template has no $A");
        }
        return List.copyOf(parts);
    }

    private static void requireType(JsonNode root, String field, String type) {
        String found = root.path(field).path("type").asText("(none)");
        if (!found.equals(type)) {
            throw new UnsupportedTowerException("tokenizer.json has " + field + " " + found + ", not " + type
                    + "; the hub encodes queries only with the tokenizer that modelhub-text pre-training writes");
        }
    }

    private static int id(JsonNode node, String what) {
        if (!node.canConvertToInt() || node.asInt() < 0) {
            throw new UnsupportedTowerException("tokenizer.json: " + what + " has no valid id (" + node + ")");
        }
        return node.asInt();
    }
}
