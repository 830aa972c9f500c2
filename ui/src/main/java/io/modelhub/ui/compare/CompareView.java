package io.modelhub.ui.compare;

import io.modelhub.leaderboards.RunComparison;
import io.modelhub.platform.ApiException;
import io.modelhub.ui.Formats;
import io.modelhub.ui.MainLayout;
import io.modelhub.ui.UiSession;
import io.modelhub.ui.charts.LineChart;
import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.H4;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import jakarta.inject.Inject;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Runs side by side (compare?jobs=1,2): one chart per metric with a curve per run (downsampled on the server),
 * the hyperparameters with the rows that differ highlighted, and the final metrics.
 */
@Route(value = "compare", layout = MainLayout.class)
@PageTitle("Compare runs · ModelHub")
public class CompareView extends VerticalLayout implements BeforeEnterObserver {
    private final RunComparison comparison;
    private final TextField jobs = new TextField("Runs (job ids)");
    private final Div result = new Div();

    @Inject
    public CompareView(RunComparison comparison) {
        this.comparison = comparison;
        setWidthFull();
        jobs.setId("compare-jobs");
        jobs.setPlaceholder("12, 15, 19");
        Button go = new Button("Compare", e -> getUI().ifPresent(ui -> ui.navigate("compare",
                com.vaadin.flow.router.QueryParameters.of("jobs", jobs.getValue().replace(" ", "")))));
        go.setId("compare-button");
        go.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        HorizontalLayout bar = new HorizontalLayout(jobs, go);
        bar.setAlignItems(FlexComponent.Alignment.BASELINE);
        result.setId("compare-result");
        result.setWidthFull();
        add(new H2("Compare runs"), bar, result);
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        result.removeAll();
        List<String> ids = event.getLocation().getQueryParameters().getParameters().getOrDefault("jobs", List.of());
        String text = String.join(",", ids);
        jobs.setValue(text);
        if (text.isBlank()) {
            result.add(new Paragraph("Name two or more runs by job id, or pick them on a leaderboard."));
            return;
        }
        try {
            render(comparison.compare(UiSession.viewer(), parse(text), RunComparison.DEFAULT_POINTS));
        } catch (ApiException e) {
            Paragraph error = new Paragraph(e.getMessage());
            error.setId("compare-error");
            error.getStyle().set("color", "var(--lumo-error-text-color)");
            result.add(error);
        }
    }

    private static List<Long> parse(String text) {
        List<Long> out = new ArrayList<>();
        for (String part : text.split(",")) {
            if (!part.isBlank()) {
                try {
                    out.add(Long.parseLong(part.trim()));
                } catch (NumberFormatException e) {
                    throw ApiException.badRequest("Runs are job ids separated by commas, not '" + part.trim() + "'");
                }
            }
        }
        return out;
    }

    private void render(RunComparison.Comparison c) {
        Div legend = new Div();
        legend.setId("compare-legend");
        int n = 0;
        for (RunComparison.Run r : c.runs()) {
            Div item = new Div();
            item.setText("■ " + r.label() + " (" + r.state() + ")");
            item.getStyle().set("color", LineChart.colour(n++));
            legend.add(item);
        }
        Div charts = new Div();
        charts.setId("compare-charts");
        charts.getStyle().set("display", "flex").set("flex-wrap", "wrap").set("gap", "var(--lumo-space-m)");
        for (String metric : c.metrics()) {
            // a series per run in run order, empty where the run lacks the metric, so colours match the legend
            List<LineChart.Series> lines = new ArrayList<>();
            for (RunComparison.Run r : c.runs()) {
                List<LineChart.Point> points = c.series().stream().filter(s -> s.jobId() == r.jobId() && s.metric().equals(metric))
                        .findFirst().map(CompareView::points).orElse(List.of());
                lines.add(new LineChart.Series(Long.toString(r.jobId()), r.label(), points));
            }
            LineChart chart = new LineChart("step").metric(metric).withoutMarkers().withoutLegend();
            chart.setSeries(lines);
            Div box = new Div(new H4(metric), chart);
            box.getStyle().set("flex", "1 1 480px").set("max-width", "640px");
            charts.add(box);
        }
        result.add(legend, charts, new H3("Hyperparameters"), table("hyperparameters", c.runs(), c.hyperparameters()),
                new H3("Final metrics"), table("final-metrics", c.runs(), c.finalMetrics()));
    }

    private static List<LineChart.Point> points(RunComparison.Series s) {
        List<LineChart.Point> out = new ArrayList<>(s.steps().length);
        for (int i = 0; i < s.steps().length; i++) {
            out.add(new LineChart.Point(s.steps()[i], s.values()[i]));
        }
        return out;
    }

    /** A plain table: one row per name, one column per run; rows whose values differ are highlighted. */
    private static Component table(String id, List<RunComparison.Run> runs, List<RunComparison.Row> rows) {
        StringBuilder html = new StringBuilder("<table id='" + id + "' style='border-collapse:collapse'><thead><tr><th style='text-align:left;padding:2px 8px'>name</th>");
        runs.forEach(r -> html.append("<th style='text-align:left;padding:2px 8px'>#").append(r.jobId()).append("</th>"));
        html.append("</tr></thead><tbody>");
        for (RunComparison.Row row : rows) {
            html.append("<tr data-name='").append(Formats.escapeHtml(row.name())).append("'")
                    .append(row.differs() ? " class='differs' style='background:var(--lumo-warning-color-10pct, #fff3cd);font-weight:600'" : "")
                    .append("><td style='padding:2px 8px'>").append(Formats.escapeHtml(row.name())).append("</td>");
            for (RunComparison.Run r : runs) {
                Object v = row.values().get(r.jobId());
                html.append("<td style='padding:2px 8px'>").append(Formats.escapeHtml(format(v))).append("</td>");
            }
            html.append("</tr>");
        }
        html.append("</tbody></table>");
        Div div = new Div();
        div.getElement().setProperty("innerHTML", html.toString());
        return div;
    }

    private static String format(Object v) {
        if (v == null) {
            return "—";
        }
        if (v instanceof Double d) {
            return String.format(Locale.ROOT, "%.6g", d);
        }
        return v.toString();
    }
}
