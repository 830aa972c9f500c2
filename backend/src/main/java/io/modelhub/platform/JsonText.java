package io.modelhub.platform;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;

/** JSON text for jsonb columns written and read with native SQL (values the hub itself produced). */
@ApplicationScoped
public class JsonText {
    private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() {
    };

    @Inject
    ObjectMapper json;

    public String write(Object value) {
        try {
            return json.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** An empty map for null. */
    public Map<String, Object> readMap(String text) {
        return read(text, MAP, Map.<String, Object>of());
    }

    public <T> T read(String text, TypeReference<T> type, T whenNull) {
        try {
            return text == null ? whenNull : json.readValue(text, type);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
