package io.modelhub.ui.repo;

import io.modelhub.accounts.Viewer;
import io.modelhub.catalog.RepoIndexer;
import io.modelhub.commits.Commit;
import io.modelhub.crossmodal.CrossModalSearch;
import io.modelhub.datasets.DatasetInspector;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.FileChange;
import io.modelhub.commits.RepoFile;
import io.modelhub.downloads.DownloadService;
import io.modelhub.platform.ApiException;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.storage.inspect.ModelCard;
import io.modelhub.storage.inspect.TensorInfo;
import io.modelhub.ui.Formats;
import io.modelhub.ui.MainLayout;
import io.modelhub.ui.UiErrors;
import io.modelhub.ui.UiSession;
import io.modelhub.ui.widget.InferenceWidget;
import io.modelhub.ui.widget.WidgetCalls;
import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.details.Details;
import com.vaadin.flow.component.dialog.Dialog;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H4;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Pre;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.tabs.TabSheet;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.HasDynamicTitle;
import com.vaadin.flow.router.Route;
import com.vaadin.flow.router.RouteAlias;
import com.vaadin.flow.server.streams.DownloadEvent;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/** A repository's page: card, metadata, files, commits, and (for its owner) upload and settings. */
@Route(value = ":namespace/:name", layout = MainLayout.class)
@RouteAlias(value = "datasets/:namespace/:name", layout = MainLayout.class)
public class RepoView extends VerticalLayout implements BeforeEnterObserver, HasDynamicTitle {
    private final RepoService repos;
    private final CommitService commits;
    private final RepoIndexer indexer;
    private final DownloadService downloads;
    private final UploadPanel uploadPanel;
    private final DatasetInspector datasets;
    private final CrossModalSearch crossModal;
    private final WidgetCalls widgetCalls;
    private String title = "ModelHub";

    @Inject
    public RepoView(RepoService repos, CommitService commits, RepoIndexer indexer, DownloadService downloads,
                    UploadPanel uploadPanel, DatasetInspector datasets, CrossModalSearch crossModal, WidgetCalls widgetCalls) {
        this.widgetCalls = widgetCalls;
        this.datasets = datasets;
        this.crossModal = crossModal;
        this.repos = repos;
        this.commits = commits;
        this.indexer = indexer;
        this.downloads = downloads;
        this.uploadPanel = uploadPanel;
        setWidthFull();
    }

    @Override
    public String getPageTitle() {
        return title;
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        RepoType type = event.getLocation().getFirstSegment().equals("datasets") ? RepoType.DATASET : RepoType.MODEL;
        String ns = event.getRouteParameters().get("namespace").orElse("");
        String name = event.getRouteParameters().get("name").orElse("");
        removeAll();
        try {
            render(repos.visible(UiSession.viewer(), new RepoName(type, ns, name)));
        } catch (ApiException e) {
            add(new H2("Not found"), new Paragraph(e.getMessage()));
            title = "Not found · ModelHub";
        }
    }

    void render(Repo repo) {
        removeAll();
        Viewer viewer = UiSession.viewer();
        title = repo.fullId() + " · ModelHub";
        String head = commits.resolve(repo, CommitService.DEFAULT_BRANCH);
        List<RepoFile> files = commits.files(head);

        H2 heading = new H2(repo.fullId());
        heading.setId("repo-title");
        HorizontalLayout badges = new HorizontalLayout();
        badges.add(badge(repo.type));
        if (repo.privateRepo) {
            badges.add(badge("private"));
        }
        for (String value : new String[]{repo.modality, repo.pipelineTag, repo.libraryName, repo.license}) {
            if (value != null && !value.equals("unknown")) {
                badges.add(badge(value));
            }
        }
        add(heading, badges);
        if (repo.repoType() == RepoType.MODEL && !viewer.anonymous() && viewer.canWrite()) {
            Button fineTune = new Button("Fine-tune", e -> getUI().ifPresent(ui -> ui.navigate("fine-tune/" + repo.fullId())));
            fineTune.setId("fine-tune-button");
            fineTune.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
            add(fineTune);
        }
        if (repo.repoType() == RepoType.DATASET && !viewer.anonymous() && viewer.canWrite()) {
            // the launch form of recipes that need no base model (image-pretraining, ...), this dataset preselected
            Button train = new Button("Train a model", e -> getUI().ifPresent(ui -> ui.navigate("train/" + repo.fullId())));
            train.setId("train-button");
            train.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
            add(train);
        }

        TabSheet tabs = new TabSheet();
        tabs.setWidthFull();
        if (repo.repoType() == RepoType.DATASET) {
            tabs.add("Dataset viewer", DatasetPreview.of(repo, head, files, datasets, downloads));
        }
        tabs.add(repo.repoType() == RepoType.MODEL ? "Model card" : "Dataset card", cardTab(repo, head, files));
        if (repo.repoType() == RepoType.MODEL) {
            crossModal.index(repo, head).ifPresent(index -> tabs.add("Search",
                    CrossModalSearchPanel.of(repo, index, crossModal, repos, commits, downloads, viewer)));
        }
        tabs.add("Files (" + files.size() + ")", filesTab(repo, head, files, viewer));
        tabs.add("Commits", commitsTab(repo));
        if (RepoService.canWrite(viewer, repo)) {
            uploadPanel.bind(repo, () -> render(repos.visible(UiSession.viewer(), repo.repoName())));
            tabs.add("Upload", uploadPanel);
            tabs.add("Settings", settingsTab(repo));
        }
        tabs.setId("repo-tabs");
        add(tabs);
    }

    private Component cardTab(Repo repo, String head, List<RepoFile> files) {
        Div card = new Div();
        card.setId("model-card");
        card.getStyle().set("flex", "3").set("min-width", "0").set("overflow-x", "auto");
        Optional<RepoFile> readme = files.stream().filter(f -> f.path().equalsIgnoreCase("README.md")).findFirst();
        Map<String, Object> frontMatter = Map.of();
        if (readme.isPresent()) {
            ModelCard parsed = indexer.readCard(readme.get());
            frontMatter = parsed.frontMatter();
            // bodyHtml escapes raw HTML and sanitises links, so it is safe to insert.
            card.getElement().setProperty("innerHTML", parsed.bodyHtml());
        } else {
            card.add(new Paragraph("No card yet: add a README.md (with YAML front matter for license, pipeline_tag, ...)."));
        }
        // the widget heads the side column, as on Hugging Face's model pages
        VerticalLayout side = new VerticalLayout();
        side.setPadding(false);
        side.getStyle().set("flex", "1").set("min-width", "18em").set("max-width", "26em");
        if (repo.repoType() == RepoType.MODEL) {
            InferenceWidget.of(repo, head, files, frontMatter, widgetCalls, downloads).ifPresent(side::add);
        }
        side.add(metadataPanel(repo, files));
        HorizontalLayout layout = new HorizontalLayout(card, side);
        layout.setWidthFull();
        return layout;
    }

    private Component metadataPanel(Repo repo, List<RepoFile> files) {
        VerticalLayout panel = new VerticalLayout();
        panel.setId("metadata-panel");
        panel.getStyle().set("background", "var(--lumo-contrast-5pct)").set("border-radius", "var(--lumo-border-radius-l)")
                .set("overflow-wrap", "anywhere");
        panel.setSpacing(false);
        if (repo.parameters != null) {
            panel.add(row("Parameters", Formats.count(repo.parameters) + " (" + String.format("%,d", repo.parameters) + ")"));
            if (repo.dtypeParameters != null) {
                repo.dtypeParameters.forEach((dtype, n) -> panel.add(row("  " + dtype, Formats.count(n))));
            }
        }
        panel.add(row("Size", Formats.bytes(repo.totalSize)));
        panel.add(row("Downloads", String.valueOf(repo.downloads)));
        addIf(panel, "License", repo.license);
        addIf(panel, "Task", repo.pipelineTag);
        addIf(panel, "Library", repo.libraryName);
        addIf(panel, "Architecture", String.join(", ", repo.architectures));
        addIf(panel, "Model type", repo.modelType);
        addIf(panel, "Languages", String.join(", ", repo.languages));
        if (!repo.baseModels.isEmpty()) {
            HorizontalLayout links = new HorizontalLayout();
            repo.baseModels.forEach(b -> links.add(repoLink(RepoType.MODEL, b)));
            panel.add(new H4("Base model"), links);
        }
        if (!repo.datasets.isEmpty()) {
            HorizontalLayout links = new HorizontalLayout();
            repo.datasets.forEach(d -> links.add(repoLink(RepoType.DATASET, d)));
            panel.add(new H4("Datasets"), links);
        }
        if (repo.repoType() == RepoType.MODEL) {
            panel.add(io.modelhub.ui.leaderboards.ModelScores.of(repo));
        }
        panel.add(new H4("Download"), snippet(repo, files));
        return panel;
    }

    private Component snippet(Repo repo, List<RepoFile> files) {
        String base = UrlBase.current();
        String file = files.stream().map(RepoFile::path).filter(p -> !p.equals(".gitattributes")).findFirst().orElse("README.md");
        String auth = repo.privateRepo ? " -H \"Authorization: Bearer $HF_TOKEN\"" : "";
        String text = "# one file\ncurl -L" + auth + " -O " + base + "/" + repo.repoType().webPrefix() + repo.fullId()
                + "/resolve/main/" + file + "\n\n"
                + "# the whole repo with the Hugging Face tools\nexport HF_ENDPOINT=" + base + " HF_HUB_DISABLE_XET=1"
                + (repo.privateRepo ? " HF_TOKEN=hf_..." : "") + "\n"
                + "hf download " + (repo.repoType() == RepoType.DATASET ? "--repo-type dataset " : "") + repo.fullId();
        Pre pre = new Pre(text);
        pre.setId("download-snippet");
        pre.getStyle().set("white-space", "pre-wrap").set("font-size", "var(--lumo-font-size-xs)");
        return pre;
    }

    private Component filesTab(Repo repo, String head, List<RepoFile> files, Viewer viewer) {
        Grid<RepoFile> grid = new Grid<>();
        grid.addColumn(RepoFile::path).setHeader("Path").setFlexGrow(3).setSortable(true);
        grid.addColumn(f -> Formats.bytes(f.size())).setHeader("Size").setComparator(RepoFile::size);
        grid.addComponentColumn(f -> {
            Span sha = new Span(f.sha256().substring(0, 12));
            sha.getElement().setAttribute("title", "sha256 " + f.sha256());
            sha.getStyle().set("font-family", "monospace");
            return sha;
        }).setHeader("sha256");
        grid.addColumn(f -> f.lfs() ? "LFS" : "").setHeader("Storage");
        grid.addComponentColumn(f -> fileActions(repo, head, f, viewer)).setHeader("").setFlexGrow(2);
        grid.setItems(files);
        grid.setAllRowsVisible(true);
        grid.addThemeVariants(GridVariant.LUMO_COMPACT);
        grid.setId("files-grid");
        return grid;
    }

    private Component fileActions(Repo repo, String head, RepoFile f, Viewer viewer) {
        DownloadService.Located located = new DownloadService.Located(repo, head, f);
        Anchor download = new Anchor((DownloadEvent event) -> {
            event.setFileName(f.name());
            event.setContentType("application/octet-stream");
            event.getResponse().setHeader("Content-Length", String.valueOf(f.size()));
            downloads.stream(located, null, event.getOutputStream());
        }, "Download");
        download.getElement().setAttribute("download", true);
        download.addClassName("download-link");
        download.getElement().setAttribute("data-path", f.path());
        HorizontalLayout actions = new HorizontalLayout(download);
        if (f.path().endsWith(".safetensors")) {
            actions.add(new Button("Tensors", e -> showTensors(f)));
        }
        if (RepoService.canWrite(viewer, repo) && !f.path().equals(".gitattributes")) {
            Button delete = new Button("Delete", e -> {
                commits.commit(repo, CommitService.DEFAULT_BRANCH, head, List.of(FileChange.delete(f.path())),
                        "Delete " + f.path(), "", UiSession.viewer());
                UiErrors.success("Deleted " + f.path());
                render(repos.visible(UiSession.viewer(), repo.repoName()));
            });
            delete.addThemeVariants(ButtonVariant.LUMO_ERROR, ButtonVariant.LUMO_TERTIARY_INLINE);
            Button rename = new Button("Rename", e -> rename(repo, head, f));
            rename.addThemeVariants(ButtonVariant.LUMO_TERTIARY_INLINE);
            actions.add(rename, delete);
        }
        actions.setAlignItems(FlexComponent.Alignment.CENTER);
        return actions;
    }

    private void rename(Repo repo, String head, RepoFile f) {
        Dialog dialog = new Dialog();
        dialog.setHeaderTitle("Rename " + f.path());
        TextField to = new TextField("New path", f.path(), "");
        to.setWidth("30em");
        to.setId("rename-to");
        Button ok = new Button("Rename", e -> {
            try {
                commits.commit(repo, CommitService.DEFAULT_BRANCH, head, List.of(FileChange.move(f.path(), to.getValue().trim())),
                        "Rename " + f.path() + " to " + to.getValue().trim(), "", UiSession.viewer());
                dialog.close();
                UiErrors.success("Renamed to " + to.getValue().trim());
                render(repos.visible(UiSession.viewer(), repo.repoName()));
            } catch (ApiException ex) {
                to.setInvalid(true);
                to.setErrorMessage(ex.getMessage());
            }
        });
        ok.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        ok.setId("rename-ok");
        dialog.add(to);
        dialog.getFooter().add(new Button("Cancel", e -> dialog.close()), ok);
        dialog.open();
    }

    private void showTensors(RepoFile f) {
        Grid<TensorInfo> grid = new Grid<>();
        grid.addColumn(TensorInfo::name).setHeader("Tensor").setFlexGrow(3);
        grid.addColumn(TensorInfo::dtype).setHeader("dtype");
        grid.addColumn(t -> t.shape().toString()).setHeader("Shape");
        grid.setItems(indexer.readSafetensors(f).tensors());
        Dialog dialog = new Dialog(grid);
        dialog.setHeaderTitle(f.path());
        dialog.setWidth("60em");
        dialog.setHeight("70vh");
        grid.setSizeFull();
        dialog.getFooter().add(new Button("Close", e -> dialog.close()));
        dialog.open();
    }

    private Component commitsTab(Repo repo) {
        List<Commit> history = commits.history(repo, CommitService.DEFAULT_BRANCH, 200);
        Map<Long, String> authors = commits.authorNames(history);
        Grid<Commit> grid = new Grid<>();
        grid.addColumn(c -> c.id.substring(0, 10)).setHeader("Commit");
        grid.addColumn(c -> c.title).setHeader("Summary").setFlexGrow(3);
        grid.addColumn(c -> authors.getOrDefault(c.authorId, "")).setHeader("Author");
        grid.addColumn(c -> Formats.ago(c.createdAt)).setHeader("When");
        grid.addColumn(c -> c.fileCount + " files, " + Formats.bytes(c.totalSize)).setHeader("Snapshot");
        grid.setItems(history);
        grid.setAllRowsVisible(true);
        grid.addThemeVariants(GridVariant.LUMO_COMPACT);
        grid.setId("commits-grid");
        return grid;
    }

    private Component settingsTab(Repo repo) {
        Button visibility = new Button(repo.privateRepo ? "Make public" : "Make private", e -> {
            List<String> derived = repos.setVisibility(UiSession.viewer(), repo.repoName(), !repo.privateRepo);
            render(repos.visible(UiSession.viewer(), repo.repoName()));
            if (!derived.isEmpty()) {
                UiErrors.show(repo.fullId() + " is private now, but these public models were trained on it and stay "
                        + "public: " + String.join(", ", derived) + ". Their owners decide about them.");
            }
        });
        Button delete = new Button("Delete this repository", e -> {
            Dialog confirm = new Dialog();
            confirm.setHeaderTitle("Delete " + repo.fullId() + "?");
            confirm.add(new Paragraph("All commits and files go; blobs no other repository uses are freed."));
            Button yes = new Button("Delete", ev -> {
                repos.delete(UiSession.viewer(), repo.repoName());
                confirm.close();
                getUI().ifPresent(ui -> ui.navigate(""));
            });
            yes.addThemeVariants(ButtonVariant.LUMO_ERROR, ButtonVariant.LUMO_PRIMARY);
            confirm.getFooter().add(new Button("Cancel", ev -> confirm.close()), yes);
            confirm.open();
        });
        delete.addThemeVariants(ButtonVariant.LUMO_ERROR);
        Details danger = new Details("Danger zone", delete);
        danger.setOpened(true);
        return new VerticalLayout(visibility, danger);
    }

    private static Span badge(String text) {
        Span s = new Span(text);
        s.getElement().getThemeList().add("badge");
        return s;
    }

    private static Component row(String label, String value) {
        Span l = new Span(label);
        l.getStyle().set("color", "var(--lumo-secondary-text-color)").set("min-width", "8em").set("white-space", "pre");
        Span v = new Span(value);
        HorizontalLayout h = new HorizontalLayout(l, v);
        h.setSpacing(true);
        return h;
    }

    private static void addIf(VerticalLayout panel, String label, String value) {
        if (value != null && !value.isBlank()) {
            panel.add(row(label, value));
        }
    }

    /**
     * A card's base_model or dataset as a link to that repository on this hub, or as plain text when it is not a repo
     * id: a card must never turn into a link elsewhere (base_model "/evil.example" would be "//evil.example").
     */
    static com.vaadin.flow.component.Component repoLink(RepoType type, String id) {
        try {
            RepoName name = RepoName.parse(type, id);
            return new Anchor((type == RepoType.DATASET ? "/datasets/" : "/") + name.id(), name.id());
        } catch (io.modelhub.platform.ApiException notARepoId) {
            return new Span(id);
        }
    }
}
