package io.modelhub.crossmodal;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelhub.testing.TokenizerJson;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The hub's Java copy of the runner's tokenizer kind, against what the tokenizers library does with the same file:
 * ids 0-4 are [PAD] [UNK] [CLS] [SEP] [MASK]; the words below get ids 5, 6, ...
 */
class WordLevelTokenizerTest {
    static final List<String> WORDS = List.of("a", "red", "circle", ",", "!", "don", "'", "t", "café", "$", "_", "x");
    static final ObjectMapper JSON = new ObjectMapper();

    static int id(String word) {
        return 5 + WORDS.indexOf(word);
    }

    static WordLevelTokenizer tokenizer(int maxLength) throws Exception {
        return WordLevelTokenizer.parse(JSON.readTree(TokenizerJson.wordLevel(WORDS)), maxLength);
    }

    @Test
    void lowercasesSplitsPunctuationAndWrapsInClsSep() throws Exception {
        assertArrayEquals(new int[] {2, id("a"), id("red"), id("circle"), 3}, tokenizer(16).encode("A  RED\tCircle"));
        // each punctuation mark is a token of its own, whitespace disappears
        assertArrayEquals(new int[] {2, id("red"), id(","), id("circle"), id("!"), id("!"), 3}, tokenizer(16).encode("red,circle !!"));
        assertArrayEquals(new int[] {2, id("don"), id("'"), id("t"), 3}, tokenizer(16).encode("Don't"));
        // ASCII symbols count as punctuation for BertPreTokenizer, and so does the underscore
        assertArrayEquals(new int[] {2, id("$"), id("x"), id("_"), id("x"), 3}, tokenizer(16).encode("$x_x"));
        // non-ASCII letters are lowercased and stay in their word; a no-break space separates words
        assertArrayEquals(new int[] {2, id("café"), id("red"), 3}, tokenizer(16).encode("CAFÉ\u00a0red"));
    }

    @Test
    void unknownWordsBecomeUnk() throws Exception {
        assertArrayEquals(new int[] {2, id("a"), 1, 1, id("circle"), 1, 3}, tokenizer(16).encode("a big blue circle?"));
        assertArrayEquals(new int[] {2, 3}, tokenizer(16).encode("   "));
    }

    @Test
    void specialTokensInTheTextAreMatchedVerbatim() throws Exception {
        assertArrayEquals(new int[] {2, id("a"), 4, id("circle"), 3}, tokenizer(16).encode("a [MASK] circle"));
        // not normalised: a lowercase spelling is no special token but words and marks
        assertArrayEquals(new int[] {2, id("a"), 1, 1, 1, 3}, tokenizer(16).encode("a [mask]"));
    }

    @Test
    void truncatesToTheMaximumLengthWithRoomForTheSpecials() throws Exception {
        int[] ids = tokenizer(5).encode("a red circle a red circle");
        assertArrayEquals(new int[] {2, id("a"), id("red"), id("circle"), 3}, ids);
        assertEquals(5, tokenizer(5).maxLength());
        assertEquals(6, tokenizer(6).encode("a red circle a red circle").length);
        assertThrows(UnsupportedTowerException.class, () -> tokenizer(2));
    }

    @Test
    void refusesOtherTokenizerKindsSayingWhy() throws Exception {
        ObjectNode bpe = (ObjectNode) JSON.readTree(TokenizerJson.wordLevel(WORDS));
        ((ObjectNode) bpe.get("model")).put("type", "BPE");
        assertTrue(message(bpe).contains("BPE model"), message(bpe));

        ObjectNode bert = (ObjectNode) JSON.readTree(TokenizerJson.wordLevel(WORDS));
        bert.putObject("normalizer").put("type", "BertNormalizer");
        assertTrue(message(bert).contains("normalizer BertNormalizer, not Lowercase"), message(bert));

        ObjectNode roberta = (ObjectNode) JSON.readTree(TokenizerJson.wordLevel(WORDS));
        roberta.putObject("post_processor").put("type", "RobertaProcessing");
        assertTrue(message(roberta).contains("RobertaProcessing post-processor"), message(roberta));

        ObjectNode noUnk = (ObjectNode) JSON.readTree(TokenizerJson.wordLevel(WORDS));
        ((ObjectNode) noUnk.get("model")).put("unk_token", "<unk>");
        assertTrue(message(noUnk).contains("unk_token \"<unk>\" is not in its vocabulary"), message(noUnk));
    }

    @Test
    void geluIsTheErfOne() {
        // erf to 1e-7 (reference values from the error function tables), and GELU(1) = 0.8413447 (not tanh's 0.8411920)
        assertEquals(0.5204998778, TextTowerEncoder.erf(0.5), 1e-7);
        assertEquals(-0.9953222650, TextTowerEncoder.erf(-2), 1e-7);
        assertEquals(0.0, TextTowerEncoder.erf(0), 1e-7);
        assertEquals(0.8413447461, TextTowerEncoder.gelu(1), 1e-7);
        assertEquals(-0.0455002639, TextTowerEncoder.gelu(-2), 1e-7);
    }

    private static String message(JsonNode root) {
        return assertThrows(UnsupportedTowerException.class, () -> WordLevelTokenizer.parse(root, 16)).getMessage();
    }
}
