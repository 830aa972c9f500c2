package io.modelhub.ui.widget;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.TextArea;
import com.vaadin.flow.component.textfield.TextField;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A source sentence and the sentences to compare it with, one per line; the body is sentence-similarity's
 * {@code {"inputs": {"source_sentence": ..., "sentences": [...]}}}, so empty fields get the API's own refusal.
 */
public final class SentencesInput implements WidgetInput {
    private final TextField source = new TextField("Source sentence");
    private final TextArea sentences = new TextArea("Sentences to compare, one per line");
    private final VerticalLayout layout = new VerticalLayout(source, sentences);

    public SentencesInput() {
        source.setId("widget-source");
        source.setWidthFull();
        sentences.setId("widget-sentences");
        sentences.setWidthFull();
        sentences.setMinHeight("5em");
        layout.setPadding(false);
        layout.setSpacing(false);
    }

    @Override
    public Component component() {
        return layout;
    }

    @Override
    public Optional<Body> body() {
        List<String> lines = Arrays.stream(sentences.getValue().split("\n")).map(String::strip)
                .filter(s -> !s.isEmpty()).toList();
        return Optional.of(Body.json(Map.of("inputs",
                Map.of("source_sentence", source.getValue(), "sentences", lines))));
    }

    @Override
    public String missing() {
        return "Type a source sentence and the sentences to compare first";
    }

    @Override
    public boolean takes(WidgetExamples.Example example) {
        return example.text() != null;
    }

    @Override
    public void use(WidgetExamples.Example example, WidgetExamples.File file) {
        source.setValue(example.text());
    }
}
