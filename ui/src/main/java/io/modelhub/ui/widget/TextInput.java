package io.modelhub.ui.widget;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.textfield.TextArea;

import java.util.Map;
import java.util.Optional;

/** A text box; the body is {@code {"inputs": "<text>"}}, so an empty text gets the API's own refusal. */
public final class TextInput implements WidgetInput {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final TextArea text = new TextArea();

    public TextInput(String placeholder) {
        text.setId("widget-text");
        text.setPlaceholder(placeholder);
        text.setWidthFull();
        text.setMinHeight("5em");
    }

    @Override
    public Component component() {
        return text;
    }

    @Override
    public Optional<Body> body() {
        try {
            return Optional.of(new Body("application/json", JSON.writeValueAsBytes(Map.of("inputs", text.getValue()))));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("A map of one string always serialises", e);
        }
    }

    @Override
    public String missing() {
        return "Type a text first";
    }

    @Override
    public boolean takes(WidgetExamples.Example example) {
        return example.text() != null;
    }

    @Override
    public void use(WidgetExamples.Example example, WidgetExamples.File file) {
        text.setValue(example.text());
    }
}
