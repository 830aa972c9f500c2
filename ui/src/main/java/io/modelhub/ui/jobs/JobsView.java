package io.modelhub.ui.jobs;

import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridSortOrder;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.data.provider.SortDirection;
import com.vaadin.flow.data.value.ValueChangeMode;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.modelhub.accounts.Viewer;
import io.modelhub.platform.ChangeNotifications;
import io.modelhub.jobs.JobService;
import io.modelhub.jobs.JobState;
import io.modelhub.jobs.JobService.JobView;
import io.modelhub.contract.RecipeDescriptor;
import io.modelhub.runners.RunnerService;
import io.modelhub.ui.Formats;
import io.modelhub.ui.MainLayout;
import io.modelhub.ui.UiSession;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/** Jobs (yours; everyone's for admins): filters, sortable columns, lazy paging, states that follow the runs. */
@Route(value = "jobs", layout = MainLayout.class)
@PageTitle("Jobs · ModelHub")
public class JobsView extends VerticalLayout {
    /**
     * Besides notifications: a pending reason can change with no write (a runner that stops heartbeating counts as
     * gone after a while), so the list is read again now and then; one query a minute per open list.
     */
    private static final Duration SAFETY_REFRESH = Duration.ofSeconds(60);
    private final JobService jobs;
    private final Viewer viewer;
    private final Grid<JobView> grid = new Grid<>();
    private final Select<String> state = new Select<>();
    private final Select<String> recipe = new Select<>();
    private final TextField owner = new TextField("Owner");
    private final TextField model = new TextField("Model");
    private List<String> shownStates = List.of();

    @Inject
    public JobsView(JobService jobs, RunnerService runners, LiveUpdates live) {
        this.jobs = jobs;
        this.viewer = UiSession.viewer();
        state.setLabel("Status");
        state.setId("filter-state");
        List<String> stateItems = new ArrayList<>(List.of(""));
        Arrays.stream(JobState.values()).map(JobState::wire).forEach(stateItems::add);
        state.setItems(stateItems);
        state.setItemLabelGenerator(s -> s.isEmpty() ? "Any" : s);
        state.setValue("");
        recipe.setLabel("Recipe");
        recipe.setId("filter-recipe");
        List<String> recipes = new ArrayList<>(List.of(""));
        runners.recipes().stream().map(RecipeDescriptor::id).forEach(recipes::add);
        recipe.setItems(recipes);
        recipe.setItemLabelGenerator(s -> s.isEmpty() ? "Any" : s);
        recipe.setValue("");
        owner.setId("filter-owner");
        model.setId("filter-model");
        model.setPlaceholder("namespace/name");
        for (TextField f : List.of(owner, model)) {
            f.setValueChangeMode(ValueChangeMode.LAZY);
            f.setClearButtonVisible(true);
            f.addValueChangeListener(e -> grid.getDataProvider().refreshAll());
        }
        state.addValueChangeListener(e -> grid.getDataProvider().refreshAll());
        recipe.addValueChangeListener(e -> grid.getDataProvider().refreshAll());

        grid.setId("jobs-grid");
        grid.setMultiSort(false);
        grid.addComponentColumn(j -> {
            Anchor a = new Anchor("/jobs/" + j.id(), "#" + j.id());
            a.addClassName("job-link");
            return a;
        }).setHeader("Job").setKey("id").setSortable(true).setAutoWidth(true);
        grid.addColumn(JobView::state).setHeader("Status").setKey("state").setSortable(true).setAutoWidth(true);
        grid.addColumn(JobView::recipe).setHeader("Recipe").setKey("recipe").setSortable(true).setAutoWidth(true);
        grid.addColumn(j -> j.baseModel() == null ? "" : j.baseModel()).setHeader("Base model").setAutoWidth(true);
        grid.addColumn(JobView::dataset).setHeader("Dataset").setAutoWidth(true);
        grid.addColumn(JobView::owner).setHeader("Owner").setKey("owner").setSortable(true).setAutoWidth(true);
        grid.addColumn(JobView::priority).setHeader("Priority").setKey("priority").setSortable(true).setAutoWidth(true);
        grid.addColumn(j -> Formats.ago(j.createdAt())).setHeader("Created").setKey("created").setSortable(true).setAutoWidth(true);
        grid.addColumn(j -> j.pendingReason() == null ? (j.error() == null ? "" : j.error()) : j.pendingReason())
                .setHeader("Why").setFlexGrow(1);
        grid.setItems(query -> {
            String sort = "id";
            boolean descending = true;
            for (var order : query.getSortOrders()) {
                sort = order.getSorted();
                descending = order.getDirection() == SortDirection.DESCENDING;
            }
            return jobs.page(viewer, query(sort, descending, query.getOffset(), query.getLimit())).items().stream();
        }, query -> (int) Math.min(Integer.MAX_VALUE, jobs.page(viewer, query(query.getSortOrders().isEmpty() ? "id"
                : query.getSortOrders().get(0).getSorted(), true, 0, 1)).total()));
        grid.sort(GridSortOrder.desc(grid.getColumnByKey("id")).build());
        grid.setPageSize(25);

        HorizontalLayout filters = new HorizontalLayout(state, recipe, owner, model);
        filters.setAlignItems(Alignment.BASELINE);
        setSizeFull();
        add(new H2("Jobs"), filters, grid);
        // live status: refresh the rows when any job's state changed
        live.follow(this, () -> Set.of(ChangeNotifications.JOBS), SAFETY_REFRESH, () -> {
            List<String> states = jobs.page(viewer, JobService.Query.newestFirst(200)).items().stream()
                    .map(j -> j.id() + ":" + j.state()).toList();
            if (states.equals(shownStates)) {
                return null;
            }
            return () -> {
                shownStates = states;
                grid.getDataProvider().refreshAll();
            };
        });
    }

    private JobService.Query query(String sort, boolean descending, int offset, int limit) {
        return new JobService.Query(state.getValue(), recipe.getValue(), owner.getValue(), model.getValue().trim(),
                sort, descending, offset, limit);
    }
}
