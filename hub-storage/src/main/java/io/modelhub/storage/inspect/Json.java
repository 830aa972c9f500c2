package io.modelhub.storage.inspect;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Locale;

/** The JSON reading shared by the inspectors. */
final class Json {

    /** Callers own the streams they hand in, so parsers must not close them. */
    static final ObjectMapper MAPPER =
            new ObjectMapper(JsonFactory.builder().disable(StreamReadFeature.AUTO_CLOSE_SOURCE).build());

    private Json() {
    }

    static ObjectNode readObject(byte[] json, String what) throws InspectionException {
        JsonNode node;
        try {
            node = MAPPER.readTree(json);
        } catch (JsonProcessingException e) {
            throw invalid(what, e);
        } catch (IOException e) {
            // parsing a byte array does no I/O
            throw new IllegalStateException(e);
        }
        if (node == null || node.isMissingNode()) {
            throw new InspectionException(what + " is empty");
        }
        if (!node.isObject()) {
            throw new InspectionException(what + " must be a JSON object, not " + kind(node));
        }
        return (ObjectNode) node;
    }

    static InspectionException invalid(String what, JsonProcessingException e) {
        JsonLocation at = e.getLocation();
        String where = at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
        return new InspectionException(what + " is not valid JSON: " + e.getOriginalMessage() + where, e);
    }

    static String kind(JsonNode node) {
        return switch (node.getNodeType()) {
            case ARRAY -> "an array";
            case STRING -> "a string";
            case NUMBER -> "a number";
            case BOOLEAN -> "a boolean";
            case NULL -> "null";
            default -> "a " + node.getNodeType().name().toLowerCase(Locale.ROOT);
        };
    }
}
