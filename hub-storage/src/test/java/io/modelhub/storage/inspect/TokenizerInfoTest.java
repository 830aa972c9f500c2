package io.modelhub.storage.inspect;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class TokenizerInfoTest {

    @Test
    void bpeTokenizer() throws Exception {
        byte[] json = tokenizer("BPE", 5000, 3, true);

        TokenizerInfo info = TokenizerInfo.parse(new ByteArrayInputStream(json));

        assertEquals("BPE", info.modelType());
        assertEquals(5000, info.vocabSize());
        assertEquals(3, info.addedTokens());
    }

    @Test
    void typeIsInferredWhenMissing() throws Exception {
        assertEquals("BPE", TokenizerInfo.parse(new ByteArrayInputStream(tokenizer(null, 10, 0, true))).modelType());
        assertEquals("WordLevel",
                TokenizerInfo.parse(new ByteArrayInputStream(tokenizer(null, 10, 0, false))).modelType());
        TokenizerInfo unigram = TokenizerInfo.parse(new ByteArrayInputStream(utf8(
                "{\"added_tokens\": [], \"model\": {\"unk_id\": 0, \"vocab\": [[\"<unk>\", 0.0], [\"a\", -1.5]]}}")));
        assertEquals("Unigram", unigram.modelType());
        assertEquals(2, unigram.vocabSize());
    }

    @Test
    void wordPieceTokenizer() throws Exception {
        TokenizerInfo info = TokenizerInfo.parse(new ByteArrayInputStream(utf8("""
                {"version": "1.0", "normalizer": {"type": "BertNormalizer", "lowercase": true},
                 "added_tokens": [{"id": 0, "content": "[PAD]", "special": true}],
                 "model": {"type": "WordPiece", "unk_token": "[UNK]", "continuing_subword_prefix": "##",
                           "max_input_chars_per_word": 100, "vocab": {"[PAD]": 0, "[UNK]": 1, "the": 2}}}
                """)));

        assertEquals("WordPiece", info.modelType());
        assertEquals(3, info.vocabSize());
        assertEquals(1, info.addedTokens());
    }

    @Test
    void rejectsBrokenFiles() {
        assertTrue(message("{\"model\": {\"type\": \"BPE\", \"vocab\": {\"a\": 0,")
                .startsWith("tokenizer.json is not valid JSON: "));
        assertEquals("tokenizer.json has no \"model\" section", message("{\"version\": \"1.0\"}"));
        assertEquals("tokenizer.json must be a JSON object", message("[]"));
    }

    private static String message(String json) {
        return assertThrows(InspectionException.class,
                () -> TokenizerInfo.parse(new ByteArrayInputStream(utf8(json)))).getMessage();
    }

    /** A tokenizer.json laid out like the tokenizers library writes it. */
    private static byte[] tokenizer(String type, int vocab, int added, boolean merges) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (JsonGenerator json = new JsonFactory().createGenerator(out)) {
            json.writeStartObject();
            json.writeStringField("version", "1.0");
            json.writeNullField("truncation");
            json.writeArrayFieldStart("added_tokens");
            for (int i = 0; i < added; i++) {
                json.writeStartObject();
                json.writeNumberField("id", vocab + i);
                json.writeStringField("content", "<special" + i + ">");
                json.writeBooleanField("special", true);
                json.writeEndObject();
            }
            json.writeEndArray();
            json.writeObjectFieldStart("pre_tokenizer");
            json.writeStringField("type", "ByteLevel");
            json.writeEndObject();
            json.writeObjectFieldStart("model");
            if (type != null) {
                json.writeStringField("type", type);
            }
            json.writeNullField("dropout");
            json.writeObjectFieldStart("vocab");
            for (int i = 0; i < vocab; i++) {
                json.writeNumberField("tok" + i, i);
            }
            json.writeEndObject();
            if (merges) {
                json.writeArrayFieldStart("merges");
                for (int i = 1; i < vocab; i++) {
                    json.writeString("tok" + (i - 1) + " tok" + i);
                }
                json.writeEndArray();
            }
            json.writeEndObject();
            json.writeEndObject();
        }
        return out.toByteArray();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
