package io.modelhub.ui.widget;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.vaadin.flow.component.Component;

import java.util.Optional;

/**
 * What a widget reads from its user for one kind of input (a text, an image, an audio clip): the field to show, and
 * the request body it makes, in the form the inference API takes ({@link Body}), so that the call goes through the
 * API's own parsing.
 */
public interface WidgetInput {
    Component component();

    /** The body to send, or empty when there is nothing to send yet ({@link #missing()} says what to do). */
    Optional<Body> body();

    /** Why {@link #body()} is empty, e.g. "Choose an image first". */
    String missing();

    /** Whether this input takes a card example of this shape (a text, or a file's bytes). */
    boolean takes(WidgetExamples.Example example);

    /** Puts an example in the field; {@code file} holds the example's file for a {@code src} example. */
    void use(WidgetExamples.Example example, WidgetExamples.File file);

    /**
     * A request body as a client would send it to {@code POST /models/{ns}/{name}}.
     *
     * @param contentType its Content-Type
     * @param bytes       the body
     */
    record Body(String contentType, byte[] bytes) {
        private static final ObjectMapper JSON = new ObjectMapper();

        /** A JSON body of maps, lists and strings, the shapes the inference API takes. */
        static Body json(Object value) {
            try {
                return new Body("application/json", JSON.writeValueAsBytes(value));
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("Maps, lists and strings always serialise", e);
            }
        }
    }
}
