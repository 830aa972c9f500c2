package io.modelhub.ui.catalog;

import io.modelhub.catalog.CatalogQuery;
import io.modelhub.catalog.CatalogService;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoType;
import io.modelhub.ui.Formats;
import io.modelhub.ui.MainLayout;
import io.modelhub.ui.UiSession;
import com.vaadin.flow.component.combobox.ComboBox;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.icon.VaadinIcon;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.select.Select;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.data.value.ValueChangeMode;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Map;

/** The catalog: full-text search, filters, sorts and lazy paging, all answered by the database. */
@Route(value = "", layout = MainLayout.class)
@PageTitle("ModelHub")
public class CatalogView extends VerticalLayout implements BeforeEnterObserver {
    private static final Map<String, CatalogQuery.Sort> SORTS = Map.of(
            "Recently updated", CatalogQuery.Sort.UPDATED, "Most downloads", CatalogQuery.Sort.DOWNLOADS,
            "Most likes", CatalogQuery.Sort.LIKES, "Most parameters", CatalogQuery.Sort.PARAMETERS,
            "Newest", CatalogQuery.Sort.CREATED, "Best match", CatalogQuery.Sort.RELEVANCE);

    private final CatalogService catalog;
    private final TextField search = new TextField();
    private final ComboBox<String> modality = facetBox("Modality");
    private final ComboBox<String> task = facetBox("Task");
    private final ComboBox<String> library = facetBox("Library");
    private final ComboBox<String> license = facetBox("License");
    private final ComboBox<String> tag = facetBox("Tag");
    private final Select<String> sort = new Select<>();
    private final Span total = new Span();
    private final Grid<Repo> grid = new Grid<>();
    private RepoType type = RepoType.MODEL;

    @Inject
    public CatalogView(CatalogService catalog) {
        this.catalog = catalog;
        setSizeFull();
        search.setPlaceholder("Search models and datasets by name or card text");
        search.setPrefixComponent(VaadinIcon.SEARCH.create());
        search.setWidth("28em");
        search.setId("catalog-search");
        search.setValueChangeMode(ValueChangeMode.LAZY);
        search.setClearButtonVisible(true);
        sort.setLabel("Sort");
        sort.setItems(List.of("Recently updated", "Most downloads", "Most likes", "Most parameters", "Newest", "Best match"));
        sort.setValue("Recently updated");
        search.addValueChangeListener(e -> {
            if (!e.getValue().isBlank() && "Recently updated".equals(sort.getValue())) {
                sort.setValue("Best match");
            }
            refresh();
        });
        sort.addValueChangeListener(e -> refresh());
        for (ComboBox<String> box : List.of(modality, task, library, license, tag)) {
            box.addValueChangeListener(e -> refresh());
        }
        HorizontalLayout filters = new HorizontalLayout(search, modality, task, library, license, tag, sort);
        filters.setAlignItems(FlexComponent.Alignment.BASELINE);
        filters.setWrap(true);

        grid.addComponentColumn(this::nameCell).setHeader("Name").setFlexGrow(3);
        grid.addColumn(r -> r.pipelineTag == null ? "" : r.pipelineTag).setHeader("Task");
        grid.addColumn(r -> r.modality).setHeader("Modality");
        grid.addColumn(r -> Formats.count(r.parameters)).setHeader("Parameters");
        grid.addColumn(r -> Formats.count(r.downloads)).setHeader("Downloads");
        grid.addColumn(r -> Formats.ago(r.updatedAt)).setHeader("Updated");
        grid.addThemeVariants(GridVariant.LUMO_ROW_STRIPES, GridVariant.LUMO_COMPACT);
        grid.setId("catalog-grid");
        grid.setSizeFull();
        total.setId("catalog-total");
        add(filters, total, grid);
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        List<String> t = event.getLocation().getQueryParameters().getParameters().getOrDefault("type", List.of());
        type = !t.isEmpty() && t.get(0).equals("dataset") ? RepoType.DATASET : RepoType.MODEL;
        List<String> q = event.getLocation().getQueryParameters().getParameters().getOrDefault("q", List.of());
        if (!q.isEmpty()) {
            search.setValue(q.get(0));
        }
        modality.setItems(facetValues("modality"));
        task.setItems(facetValues("task"));
        library.setItems(facetValues("library"));
        license.setItems(facetValues("license"));
        tag.setItems(facetValues("tag"));
        refresh();
    }

    private List<String> facetValues(String column) {
        return catalog.facet(column, type).stream().map(CatalogService.Facet::value).toList();
    }

    private CatalogQuery query() {
        return CatalogQuery.models().withType(type).withText(search.getValue())
                .withFilters(modality.getValue(), task.getValue(), library.getValue(), license.getValue(), tag.getValue(), null)
                .withSort(SORTS.get(sort.getValue()));
    }

    private void refresh() {
        CatalogQuery q = query();
        CatalogService.Count count = catalog.count(UiSession.viewer(), q);
        String noun = type == RepoType.MODEL ? "model" : "dataset";
        total.setText((count.capped() ? "more than " : "") + count.total() + " " + noun + (count.total() == 1 ? "" : "s"));
        // No count callback: the grid pages on as far as the user scrolls, past the capped count.
        grid.setItems(query -> catalog.list(UiSession.viewer(), q.withPage(query.getOffset(), query.getLimit()), count).stream());
    }

    private HorizontalLayout nameCell(Repo repo) {
        Anchor link = new Anchor("/" + repo.repoType().webPrefix() + repo.fullId(), repo.fullId());
        link.addClassName("repo-link");
        HorizontalLayout cell = new HorizontalLayout(link);
        if (repo.privateRepo) {
            Span badge = new Span("private");
            badge.getElement().getThemeList().add("badge contrast small");
            cell.add(badge);
        }
        cell.setAlignItems(FlexComponent.Alignment.CENTER);
        return cell;
    }

    private static ComboBox<String> facetBox(String label) {
        ComboBox<String> box = new ComboBox<>(label);
        box.setClearButtonVisible(true);
        box.setWidth("11em");
        return box;
    }
}
