package io.modelhub.ui.widget;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.html.Span;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Feature-extraction answers in brief: the shape ({@code [384]} for a sentence embedding, {@code [1, tokens, hidden]}
 * per token) and the first values of the first vector, since hundreds of numbers tell a reader nothing.
 */
public final class VectorSummary implements WidgetAnswer {
    static final int SHOWN = 6;

    @Override
    public Component render(Object output) {
        List<Integer> shape = new ArrayList<>();
        Object first = output;
        while (first instanceof List<?> list) {
            shape.add(list.size());
            if (list.isEmpty() || !(list.get(0) instanceof List<?>)) {
                break;
            }
            first = list.get(0);
        }
        if (!(first instanceof List<?> vector) || vector.isEmpty() || !(vector.get(0) instanceof Number)) {
            throw new IllegalArgumentException("expected a list of numbers, got " + output);
        }
        String values = vector.stream().limit(SHOWN)
                .map(v -> String.format(Locale.ROOT, "%.4f", ((Number) v).doubleValue())).collect(Collectors.joining(", "));
        String dims = shape.stream().map(String::valueOf).collect(Collectors.joining(" × "));
        Span summary = new Span((shape.size() == 1 ? vector.size() + " dimensions" : "shape " + dims)
                + " · first values: " + values + (vector.size() > SHOWN ? ", …" : ""));
        summary.setId("widget-vector");
        summary.getElement().setAttribute("data-shape", shape.toString());
        summary.getStyle().set("font-family", "monospace").set("font-size", "var(--lumo-font-size-s)");
        return summary;
    }
}
