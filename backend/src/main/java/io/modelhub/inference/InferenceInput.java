package io.modelhub.inference;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.platform.ApiException;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A request body as huggingface_hub's InferenceClient sends it: JSON {@code {"inputs": ..., "parameters": {...}}}
 * (texts; {"source_sentence", "sentences"} for sentence-similarity; an image or audio file as base64 when parameters
 * come with it), or the raw bytes of an image or audio file. What cannot be a request for any task is refused here
 * with 400, before it waits for a runner; whether the input fits the model's task is the runner's to say.
 *
 * @param inputs     the JSON "inputs" (a text, a list of texts, a base64 string, sentence-similarity's map), null
 *                   for raw bytes
 * @param parameters the JSON "parameters", empty when absent
 * @param data       the raw body, null for JSON
 */
public record InferenceInput(Object inputs, Map<String, Object> parameters, byte[] data) {
    /** More texts than this in one request is a batch job, not an inference call. */
    static final int MAX_TEXTS = 64;
    private static final ObjectMapper JSON = new ObjectMapper();

    @SuppressWarnings("unchecked")
    public static InferenceInput parse(String contentType, byte[] body) {
        if (body == null || body.length == 0) {
            throw ApiException.badRequest("Empty body: send JSON {\"inputs\": ...} or the bytes of an image or audio file");
        }
        boolean json = contentType != null ? contentType.toLowerCase().contains("json") : looksLikeJson(body);
        if (!json) {
            return new InferenceInput(null, Map.of(), body);
        }
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (JsonProcessingException e) {
            throw ApiException.badRequest("The body is not valid JSON (" + e.getOriginalMessage() + "); send "
                    + "{\"inputs\": ..., \"parameters\": {...}}");
        } catch (java.io.IOException e) {
            throw ApiException.badRequest("The body could not be read: " + e.getMessage());
        }
        if (root == null || !root.isObject()) {
            throw ApiException.badRequest("The JSON body must be an object {\"inputs\": ..., \"parameters\": {...}}");
        }
        JsonNode inputs = root.get("inputs");
        if (inputs == null || inputs.isNull()) {
            throw ApiException.badRequest("The JSON body has no \"inputs\": send {\"inputs\": \"a text\"} "
                    + "or {\"inputs\": [\"a text\", ...]}");
        }
        if (inputs.isObject() && inputs.size() == 1 && inputs.has("image")) {
            // @huggingface/inference's zero-shot-image-classification sends {"inputs": {"image": "<base64>"}}, where
            // huggingface_hub sends the base64 string itself: one request either way
            if (!inputs.get("image").isTextual()) {
                throw ApiException.badRequest("\"inputs\".image must be the base64-encoded image");
            }
            inputs = inputs.get("image");
        }
        if (inputs.isTextual()) {
            requireText(inputs.asText(), "inputs");
        } else if (inputs.isArray()) {
            requireTexts(inputs, "inputs");
        } else if (inputs.isObject()) {
            // sentence-similarity: {"source_sentence": "...", "sentences": [...]}, nothing else
            JsonNode source = inputs.get("source_sentence");
            JsonNode sentences = inputs.get("sentences");
            if (source == null || sentences == null || inputs.size() != 2) {
                throw ApiException.badRequest("\"inputs\" as an object is a sentence-similarity request: "
                        + "{\"source_sentence\": \"a text\", \"sentences\": [\"a text\", ...]}, not " + fieldNames(inputs));
            }
            if (!source.isTextual()) {
                throw ApiException.badRequest("\"inputs\".source_sentence must be a text");
            }
            requireText(source.asText(), "inputs.source_sentence");
            if (!sentences.isArray()) {
                throw ApiException.badRequest("\"inputs\".sentences must be a list of texts");
            }
            requireTexts(sentences, "inputs.sentences");
        } else {
            throw ApiException.badRequest("\"inputs\" is " + inputs.getNodeType().name().toLowerCase()
                    + "; it must be a text, a list of texts, a base64-encoded file or {\"source_sentence\", "
                    + "\"sentences\"}");
        }
        JsonNode parameters = root.get("parameters");
        if (parameters != null && !parameters.isNull() && !parameters.isObject()) {
            throw ApiException.badRequest("\"parameters\" must be an object, e.g. {\"top_k\": 3}");
        }
        Map<String, Object> params = parameters == null || parameters.isNull() ? Map.of()
                : JSON.convertValue(parameters, Map.class);
        JsonNode topK = parameters == null ? null : parameters.get("top_k");
        if (topK != null && !topK.isNull() && (!topK.canConvertToInt() || !topK.isIntegralNumber() || topK.asInt() < 1)) {
            throw ApiException.badRequest("\"parameters\".top_k must be a positive integer, not " + topK);
        }
        return new InferenceInput(JSON.convertValue(inputs, Object.class), params, null);
    }

    private static List<String> fieldNames(JsonNode object) {
        List<String> names = new ArrayList<>();
        object.fieldNames().forEachRemaining(names::add);
        return names;
    }

    private static void requireTexts(JsonNode list, String where) {
        if (list.isEmpty()) {
            throw ApiException.badRequest("\"" + where + "\" is an empty list: give at least one text");
        }
        if (list.size() > MAX_TEXTS) {
            throw ApiException.badRequest("\"" + where + "\" has " + list.size() + " texts; at most " + MAX_TEXTS
                    + " per request");
        }
        for (int i = 0; i < list.size(); i++) {
            if (!list.get(i).isTextual()) {
                throw ApiException.badRequest("\"" + where + "\"[" + i + "] is " + list.get(i).getNodeType().name()
                        .toLowerCase() + ", not a text");
            }
            requireText(list.get(i).asText(), where + "[" + i + "]");
        }
    }

    private static void requireText(String text, String where) {
        if (text.isBlank()) {
            throw ApiException.badRequest("\"" + where + "\" is an empty text");
        }
    }

    /** Without a Content-Type, a body that opens with '{' is taken for JSON (an image never starts so). */
    private static boolean looksLikeJson(byte[] body) {
        String head = new String(body, 0, Math.min(body.length, 16), StandardCharsets.UTF_8).stripLeading();
        return head.startsWith("{");
    }
}
