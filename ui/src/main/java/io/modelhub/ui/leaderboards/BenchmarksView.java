package io.modelhub.ui.leaderboards;

import io.modelhub.leaderboards.BenchmarkService;
import io.modelhub.ui.MainLayout;
import io.modelhub.ui.UiErrors;
import io.modelhub.ui.UiSession;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import jakarta.inject.Inject;

/** The benchmarks, each linking to its leaderboard, and (signed in) a form to create one. */
@Route(value = "benchmarks", layout = MainLayout.class)
@PageTitle("Benchmarks · ModelHub")
public class BenchmarksView extends VerticalLayout {
    private final BenchmarkService benchmarks;
    private final Grid<BenchmarkService.BenchmarkView> grid = new Grid<>();

    @Inject
    public BenchmarksView(BenchmarkService benchmarks) {
        this.benchmarks = benchmarks;
        setWidthFull();
        add(new H2("Benchmarks"));
        grid.setId("benchmarks-grid");
        grid.addComponentColumn(b -> {
            Anchor a = new Anchor("/benchmarks/" + b.id(), b.name());
            a.addClassName("benchmark-link");
            return a;
        }).setHeader("Benchmark").setAutoWidth(true);
        grid.addColumn(BenchmarkService.BenchmarkView::task).setHeader("Task");
        grid.addComponentColumn(b -> new Anchor("/datasets/" + b.dataset(), b.dataset() + "@" + b.datasetRevision().substring(0, 10)))
                .setHeader("Dataset (pinned)").setAutoWidth(true);
        grid.addColumn(BenchmarkService.BenchmarkView::split).setHeader("Split");
        grid.addColumn(b -> b.metric() + (b.higherIsBetter() ? " ↑" : " ↓")).setHeader("Metric");
        grid.addColumn(BenchmarkService.BenchmarkView::owner).setHeader("Owner");
        grid.setAllRowsVisible(true);
        add(grid);
        if (!UiSession.viewer().anonymous()) {
            add(createForm());
        }
        refresh();
    }

    private void refresh() {
        grid.setItems(benchmarks.list());
    }

    private VerticalLayout createForm() {
        TextField name = field("benchmark-name", "Name", "shapes-accuracy");
        TextField task = field("benchmark-task", "Task", "image-classification");
        TextField dataset = field("benchmark-dataset", "Dataset", "namespace/name");
        TextField revision = field("benchmark-revision", "Revision (default main; pinned to its commit)", "main");
        TextField split = field("benchmark-split", "Split", "test");
        split.setValue("test");
        TextField metric = field("benchmark-metric", "Metric", "accuracy");
        metric.setValue("accuracy");
        Select<String> direction = new Select<>();
        direction.setId("benchmark-direction");
        direction.setLabel("Better is");
        direction.setItems("higher", "lower");
        direction.setValue("higher");
        TextField description = field("benchmark-description", "Description", "");
        Button create = new Button("Create benchmark", e -> {
            BenchmarkService.BenchmarkView b = benchmarks.create(UiSession.viewer(), new BenchmarkService.BenchmarkSpec(
                    name.getValue(), task.getValue(), dataset.getValue(), revision.getValue().isBlank() ? null : revision.getValue(),
                    split.getValue(), metric.getValue(), "higher".equals(direction.getValue()), description.getValue()));
            UiErrors.success("Benchmark " + b.name() + " created, pinned to " + b.dataset() + "@" + b.datasetRevision().substring(0, 10));
            getUI().ifPresent(ui -> ui.navigate("benchmarks/" + b.id()));
        });
        create.setId("create-benchmark");
        create.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        HorizontalLayout row1 = new HorizontalLayout(name, task, dataset, revision);
        HorizontalLayout row2 = new HorizontalLayout(split, metric, direction, description, create);
        row2.setAlignItems(FlexComponent.Alignment.BASELINE);
        VerticalLayout form = new VerticalLayout(new H3("New benchmark"), row1, row2);
        form.setPadding(false);
        return form;
    }

    private static TextField field(String id, String label, String placeholder) {
        TextField f = new TextField(label);
        f.setId(id);
        f.setPlaceholder(placeholder);
        return f;
    }
}
