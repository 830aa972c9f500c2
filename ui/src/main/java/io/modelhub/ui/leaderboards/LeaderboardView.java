package io.modelhub.ui.leaderboards;

import io.modelhub.leaderboards.BenchmarkService;
import io.modelhub.leaderboards.EvaluationService;
import io.modelhub.leaderboards.LeaderboardService;
import io.modelhub.platform.ApiException;
import io.modelhub.ui.Formats;
import io.modelhub.ui.MainLayout;
import io.modelhub.ui.UiErrors;
import io.modelhub.ui.UiSession;
import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.data.value.ValueChangeMode;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.HasDynamicTitle;
import com.vaadin.flow.router.Route;
import jakarta.inject.Inject;

import java.util.Locale;
import java.util.stream.Collectors;

/**
 * A benchmark's leaderboard: verified scores ranked (rank, model, score, parameters, modality, date, link to the
 * run), filters, a button comparing the selected runs, and, shown apart, what model cards claim (self-reported).
 */
@Route(value = "benchmarks/:id", layout = MainLayout.class)
public class LeaderboardView extends VerticalLayout implements BeforeEnterObserver, HasDynamicTitle {
    private final BenchmarkService benchmarks;
    private final LeaderboardService leaderboards;
    private final EvaluationService evaluations;
    private final Grid<LeaderboardService.Entry> verified = new Grid<>();
    private final Grid<LeaderboardService.SelfReported> selfReported = new Grid<>();
    private final Select<String> modality = new Select<>();
    private final Select<String> source = new Select<>();
    private final TextField search = new TextField();
    private long benchmarkId;
    private String title = "Leaderboard · ModelHub";

    @Inject
    public LeaderboardView(BenchmarkService benchmarks, LeaderboardService leaderboards, EvaluationService evaluations) {
        this.benchmarks = benchmarks;
        this.leaderboards = leaderboards;
        this.evaluations = evaluations;
        setWidthFull();
    }

    @Override
    public String getPageTitle() {
        return title;
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        removeAll();
        try {
            benchmarkId = Long.parseLong(event.getRouteParameters().get("id").orElse(""));
            render(benchmarks.get(benchmarkId));
        } catch (NumberFormatException | ApiException e) {
            add(new H2("Not found"), new Paragraph(e instanceof ApiException ? e.getMessage() : "No such benchmark"));
        }
    }

    private void render(BenchmarkService.BenchmarkView b) {
        title = b.name() + " leaderboard · ModelHub";
        H2 heading = new H2(b.name());
        heading.setId("benchmark-title");
        Paragraph about = new Paragraph(b.task() + " on ");
        about.add(new Anchor("/datasets/" + b.dataset(), b.dataset()), new Span("@" + b.datasetRevision().substring(0, 10)
                + ", split " + b.split() + ", " + b.metric() + " (" + (b.higherIsBetter() ? "higher" : "lower") + " is better)"
                + (b.description() == null || b.description().isBlank() ? "" : ". " + b.description())));
        add(heading, about, filters());

        verified.setId("leaderboard-grid");
        verified.setSelectionMode(Grid.SelectionMode.MULTI);
        verified.addColumn(LeaderboardService.Entry::rank).setHeader("Rank").setAutoWidth(true);
        verified.addComponentColumn(e -> new Anchor("/" + e.model(), e.model())).setHeader("Model").setAutoWidth(true);
        verified.addColumn(e -> score(e.score())).setHeader(b.metric()).setAutoWidth(true);
        verified.addColumn(e -> Formats.count(e.parameters())).setHeader("Parameters");
        verified.addColumn(LeaderboardService.Entry::modality).setHeader("Modality");
        verified.addColumn(e -> Formats.ago(e.date())).setHeader("Date");
        verified.addComponentColumn(e -> badge("verified")).setHeader("Source");
        verified.addComponentColumn(e -> {
            Anchor run = new Anchor(e.runUrl() == null ? "" : e.runUrl(), e.jobId() == null ? "" : "job #" + e.jobId());
            run.addClassName("run-link");
            return run;
        }).setHeader("Run");
        verified.setAllRowsVisible(true);
        Button compare = new Button("Compare selected runs", ev -> {
            String ids = verified.getSelectedItems().stream().filter(e -> e.jobId() != null).map(e -> String.valueOf(e.jobId()))
                    .collect(Collectors.joining(","));
            if (ids.isEmpty()) {
                UiErrors.show("Select the runs to compare first");
                return;
            }
            getUI().ifPresent(ui -> ui.getPage().setLocation("/compare?jobs=" + ids));
        });
        compare.setId("compare-selected");

        selfReported.setId("self-reported-grid");
        selfReported.addComponentColumn(s -> new Anchor("/" + s.model(), s.model())).setHeader("Model").setAutoWidth(true);
        selfReported.addColumn(s -> score(s.value())).setHeader("Claimed " + b.metric());
        selfReported.addColumn(s -> s.metricName() == null ? "" : s.metricName()).setHeader("As named");
        selfReported.addColumn(s -> Formats.count(s.parameters())).setHeader("Parameters");
        selfReported.addColumn(LeaderboardService.SelfReported::modality).setHeader("Modality");
        selfReported.addColumn(s -> Formats.ago(s.date())).setHeader("Card date");
        selfReported.addComponentColumn(s -> badge("self-reported")).setHeader("Source");
        selfReported.setAllRowsVisible(true);

        H3 selfHeading = new H3("Self-reported (from model cards, not checked by the hub)");
        add(new H3("Verified (scored by the hub's runners)"), verified, compare, selfHeading, selfReported);
        if (!UiSession.viewer().anonymous()) {
            add(evaluateForm());
        }
        refresh();
    }

    private Component filters() {
        modality.setId("filter-modality");
        modality.setLabel("Modality");
        modality.setItems("any", "vision", "text", "audio", "multimodal");
        modality.setValue("any");
        source.setId("filter-source");
        source.setLabel("Source");
        source.setItems("all", "verified", "self-reported");
        source.setValue("all");
        search.setId("filter-model");
        search.setLabel("Model");
        search.setPlaceholder("part of the name");
        search.setValueChangeMode(ValueChangeMode.LAZY);
        modality.addValueChangeListener(e -> refresh());
        source.addValueChangeListener(e -> refresh());
        search.addValueChangeListener(e -> refresh());
        HorizontalLayout row = new HorizontalLayout(modality, source, search);
        row.setAlignItems(FlexComponent.Alignment.BASELINE);
        return row;
    }

    private void refresh() {
        LeaderboardService.Leaderboard board = leaderboards.leaderboard(UiSession.viewer(), benchmarkId, new LeaderboardService.Filters(
                "any".equals(modality.getValue()) ? null : modality.getValue(), search.getValue(),
                "all".equals(source.getValue()) ? null : source.getValue()));
        verified.setItems(board.entries());
        selfReported.setItems(board.selfReported());
    }

    private Component evaluateForm() {
        TextField model = new TextField("Model");
        model.setId("evaluate-model");
        model.setPlaceholder("namespace/name");
        TextField revision = new TextField("Revision");
        revision.setId("evaluate-revision");
        revision.setPlaceholder("main");
        Button evaluate = new Button("Evaluate", e -> {
            EvaluationService.EvaluationView v = evaluations.evaluate(UiSession.viewer(), benchmarkId, new EvaluationService.EvaluationSpec(
                    model.getValue(), revision.getValue().isBlank() ? null : revision.getValue(), null));
            UiErrors.success("Evaluation queued as job #" + v.jobId() + "; its score appears here when it finishes");
        });
        evaluate.setId("evaluate-model-button");
        evaluate.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        HorizontalLayout row = new HorizontalLayout(model, revision, evaluate);
        row.setAlignItems(FlexComponent.Alignment.BASELINE);
        VerticalLayout form = new VerticalLayout(new H3("Evaluate a model on this benchmark"), row);
        form.setPadding(false);
        return form;
    }

    static String score(double v) {
        return String.format(Locale.ROOT, "%.4f", v);
    }

    static Span badge(String text) {
        Span s = new Span(text);
        s.getElement().getThemeList().add("badge" + (text.equals("verified") ? " success" : " contrast"));
        s.addClassName("source-" + text);
        return s;
    }
}
