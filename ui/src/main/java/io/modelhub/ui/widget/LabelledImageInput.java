package io.modelhub.ui.widget;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.TextField;

import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An image and the labels to score it against (zero-shot image classification); the body is what
 * {@code InferenceClient.zero_shot_image_classification} sends: {@code {"inputs": "<base64>", "parameters":
 * {"candidate_labels": [...]}}}.
 */
public final class LabelledImageInput implements WidgetInput {
    private final FileInput image = FileInput.image();
    private final TextField labels = new TextField("Candidate labels, comma-separated");
    private final VerticalLayout layout = new VerticalLayout();

    public LabelledImageInput() {
        labels.setId("widget-candidate-labels");
        labels.setPlaceholder("cat, dog, bird");
        labels.setWidthFull();
        layout.setPadding(false);
        layout.setSpacing(false);
        layout.add(image.component(), labels);
    }

    @Override
    public Component component() {
        return layout;
    }

    @Override
    public Optional<Body> body() {
        List<String> candidates = Arrays.stream(labels.getValue().split(",")).map(String::strip)
                .filter(s -> !s.isEmpty()).toList();
        return image.body().map(file -> Body.json(Map.of(
                "inputs", Base64.getEncoder().encodeToString(file.bytes()),
                "parameters", Map.of("candidate_labels", candidates))));
    }

    @Override
    public String missing() {
        return image.missing();
    }

    @Override
    public boolean takes(WidgetExamples.Example example) {
        return image.takes(example);
    }

    @Override
    public void use(WidgetExamples.Example example, WidgetExamples.File file) {
        image.use(example, file);
    }
}
