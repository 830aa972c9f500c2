package io.modelhub.ui.widget;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.textfield.TextArea;

import java.util.Map;
import java.util.Optional;

/** A text box; the body is {@code {"inputs": "<text>"}}, so an empty text gets the API's own refusal. */
public final class TextInput implements WidgetInput {
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
        return Optional.of(Body.json(Map.of("inputs", text.getValue())));
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
