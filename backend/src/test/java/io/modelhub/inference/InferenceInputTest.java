package io.modelhub.inference;

import io.modelhub.platform.ApiException;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class InferenceInputTest {
    private static InferenceInput json(String body) {
        return InferenceInput.parse("application/json", body.getBytes(StandardCharsets.UTF_8));
    }

    private static String refusal(String contentType, String body) {
        ApiException e = assertThrows(ApiException.class,
                () -> InferenceInput.parse(contentType, body.getBytes(StandardCharsets.UTF_8)));
        assertEquals(400, e.status());
        return e.getMessage();
    }

    @Test
    void readsWhatInferenceClientSends() {
        InferenceInput text = json("{\"inputs\": \"I like you\", \"parameters\": {\"top_k\": 2}}");
        assertEquals("I like you", text.inputs());
        assertEquals(Map.of("top_k", 2), text.parameters());
        assertNull(text.data());
        assertEquals(List.of("a", "b"), json("{\"inputs\": [\"a\", \"b\"]}").inputs());

        // sentence-similarity
        assertEquals(Map.of("source_sentence", "a", "sentences", List.of("b", "c")),
                json("{\"inputs\": {\"source_sentence\": \"a\", \"sentences\": [\"b\", \"c\"]}}").inputs());

        // zero-shot image classification as @huggingface/inference sends it: the image's base64 under "image"
        InferenceInput zeroShot = json("{\"inputs\": {\"image\": \"iVBORw0K\"}, \"parameters\": {\"candidate_labels\": [\"a\"]}}");
        assertEquals("iVBORw0K", zeroShot.inputs());
        assertEquals(Map.of("candidate_labels", List.of("a")), zeroShot.parameters());

        byte[] png = {(byte) 0x89, 'P', 'N', 'G'};
        InferenceInput image = InferenceInput.parse(null, png);
        assertArrayEquals(png, image.data());
        assertNull(image.inputs());
        // without a Content-Type, a JSON object is still read as JSON
        assertEquals("x", InferenceInput.parse(null, "{\"inputs\":\"x\"}".getBytes(StandardCharsets.UTF_8)).inputs());
    }

    @Test
    void malformedRequestsAreRefusedSayingWhatIsWrong() {
        assertTrue(refusal("application/json", "").contains("Empty body"));
        assertTrue(refusal("application/json", "{\"inputs\": ").contains("not valid JSON"));
        assertTrue(refusal("application/json", "[1]").contains("must be an object"));
        assertTrue(refusal("application/json", "{\"text\": \"x\"}").contains("no \"inputs\""));
        assertTrue(refusal("application/json", "{\"inputs\": \"  \"}").contains("empty text"));
        assertTrue(refusal("application/json", "{\"inputs\": []}").contains("empty list"));
        assertTrue(refusal("application/json", "{\"inputs\": [\"a\", 3]}").contains("\"inputs\"[1] is number"));
        assertTrue(refusal("application/json", "{\"inputs\": 3}").contains("\"inputs\" is number"));
        assertTrue(refusal("application/json", "{\"inputs\": \"x\", \"parameters\": 1}").contains("\"parameters\" must be an object"));
        assertTrue(refusal("application/json", "{\"inputs\": \"x\", \"parameters\": {\"top_k\": 0}}").contains("top_k"));
        assertTrue(refusal("application/json", "{\"inputs\": {\"source_sentence\": \"a\"}}").contains("sentence-similarity"));
        assertTrue(refusal("application/json", "{\"inputs\": {\"image\": 1}}").contains("\"inputs\".image must be the base64"));
        assertTrue(refusal("application/json", "{\"inputs\": {\"source_sentence\": \"a\", \"sentences\": \"b\"}}")
                .contains("sentences must be a list"));
        assertTrue(refusal("application/json", "{\"inputs\": {\"source_sentence\": \" \", \"sentences\": [\"b\"]}}")
                .contains("\"inputs.source_sentence\" is an empty text"));
        assertTrue(refusal("application/json", "{\"inputs\": {\"source_sentence\": \"a\", \"sentences\": []}}")
                .contains("\"inputs.sentences\" is an empty list"));
        assertTrue(refusal("application/json", "{\"inputs\": {\"source_sentence\": \"a\", \"sentences\": [\"b\", 1]}}")
                .contains("\"inputs.sentences\"[1] is number"));
        String many = "{\"inputs\": [" + "\"a\",".repeat(InferenceInput.MAX_TEXTS) + "\"a\"]}";
        assertTrue(refusal("application/json", many).contains("at most " + InferenceInput.MAX_TEXTS));
    }
}
