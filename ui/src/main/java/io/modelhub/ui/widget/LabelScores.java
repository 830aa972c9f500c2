package io.modelhub.ui.widget;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.Span;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Classification answers as labelled bars: {@code [{"label": ..., "score": ...}, ...]} (image and audio
 * classification), or one such list per text ({@code [[...]]}, text classification: the widget sends one text).
 * Fill-mask answers name their candidate {@code token_str} instead of a label; sentence-similarity answers are bare
 * scores, one per compared sentence, shown as "sentence 1", "sentence 2", ... in the order they were typed.
 */
public final class LabelScores implements WidgetAnswer {
    @Override
    public Component render(Object output) {
        List<?> rows = output instanceof List<?> list ? list : null;
        if (rows != null && !rows.isEmpty() && rows.get(0) instanceof List<?> first) {
            rows = first;
        }
        if (rows == null) {
            throw new IllegalArgumentException("expected a list of {label, score}, got " + output);
        }
        Div bars = new Div();
        bars.setId("widget-labels");
        bars.setWidthFull();
        int n = 0;
        for (Object row : rows) {
            n++;
            if (row instanceof Number similarity) {
                bars.add(bar("sentence " + n, similarity.doubleValue()));
                continue;
            }
            if (!(row instanceof Map<?, ?> entry) || !(entry.get("score") instanceof Number score)) {
                throw new IllegalArgumentException("expected {label, score}, got " + row);
            }
            Object label = entry.containsKey("label") ? entry.get("label") : entry.get("token_str");
            bars.add(bar(String.valueOf(label), score.doubleValue()));
        }
        return bars;
    }

    private static Component bar(String label, double score) {
        Div row = new Div();
        row.addClassName("widget-label");
        row.getElement().setAttribute("data-label", label);
        row.getElement().setAttribute("data-score", Double.toString(score));
        row.getStyle().set("margin", "var(--lumo-space-xs) 0");
        Span name = new Span(label);
        name.addClassName("widget-label-name");
        Span value = new Span(String.format(Locale.ROOT, "%.3f", score));
        value.addClassName("widget-label-score");
        value.getStyle().set("float", "right").set("font-family", "monospace");
        Div track = new Div();
        track.getStyle().set("background", "var(--lumo-contrast-10pct)").set("height", "0.5em")
                .set("border-radius", "var(--lumo-border-radius-s)");
        Div fill = new Div();
        // logits (function_to_apply none) can leave [0, 1]: the bar is clamped, the number is not
        double width = Math.max(0, Math.min(1, score)) * 100;
        fill.getStyle().set("background", "var(--lumo-primary-color)").set("height", "100%")
                .set("width", String.format(Locale.ROOT, "%.1f%%", width)).set("border-radius", "inherit");
        track.add(fill);
        row.add(name, value, track);
        return row;
    }
}
