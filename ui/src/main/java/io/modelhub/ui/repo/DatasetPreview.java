package io.modelhub.ui.repo;

import io.modelhub.commits.RepoFile;
import io.modelhub.datasets.DatasetInspector;
import io.modelhub.repos.DatasetSchema;
import io.modelhub.downloads.DownloadService;
import io.modelhub.repos.Repo;
import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.grid.GridVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H4;
import com.vaadin.flow.component.html.Image;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.dom.Element;
import com.vaadin.flow.server.streams.DownloadEvent;
import com.vaadin.flow.server.streams.DownloadHandler;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/** A dataset's schema (format, splits, labels, columns) and a preview: thumbnails, audio players or rows. */
final class DatasetPreview {
    private static final Set<String> IMAGE = Set.of("png", "jpg", "jpeg", "bmp", "gif", "webp");
    private static final Set<String> AUDIO = Set.of("wav", "flac", "mp3", "ogg");

    private DatasetPreview() {
    }

    static Component of(Repo repo, String head, List<RepoFile> files, DatasetInspector inspector, DownloadService downloads) {
        VerticalLayout layout = new VerticalLayout();
        layout.setId("dataset-preview");
        DatasetSchema schema = repo.datasetSchema;
        if (schema == null) {
            layout.add(new Paragraph("No data detected yet."));
            return layout;
        }
        String splits = schema.splits().entrySet().stream().map(e -> e.getKey() + ": " + e.getValue()).collect(Collectors.joining(" · "));
        Span summary = new Span("Format " + schema.format() + " · " + schema.modality() + (splits.isEmpty() ? "" : " · " + splits));
        summary.setId("dataset-schema");
        layout.add(summary);
        if (!schema.labels().isEmpty()) {
            FlexLayout labels = new FlexLayout();
            labels.setFlexWrap(FlexLayout.FlexWrap.WRAP);
            schema.labels().stream().limit(50).forEach(l -> {
                Span badge = new Span(l);
                badge.getElement().getThemeList().add("badge");
                badge.getStyle().set("margin", "2px");
                labels.add(badge);
            });
            layout.add(new H4(schema.labels().size() + " labels" + (schema.labelColumn() == null ? "" : " (column " + schema.labelColumn() + ")")), labels);
        }
        List<RepoFile> media = sample(files.stream().filter(f -> IMAGE.contains(ext(f)) || AUDIO.contains(ext(f)))
                .sorted((a, b) -> Boolean.compare(!a.path().startsWith("train"), !b.path().startsWith("train"))).toList(), 12);
        if (!media.isEmpty()) {
            FlexLayout gallery = new FlexLayout();
            gallery.setFlexWrap(FlexLayout.FlexWrap.WRAP);
            for (RepoFile f : media) {
                Div cell = new Div();
                cell.getStyle().set("margin", "var(--lumo-space-s)").set("text-align", "center");
                DownloadHandler handler = (DownloadEvent event) -> {
                    event.setFileName(f.name());
                    downloads.stream(new DownloadService.Located(repo, head, f), null, event.getOutputStream());
                };
                if (IMAGE.contains(ext(f))) {
                    Image image = new Image(handler, f.path());
                    image.setWidth("96px");
                    image.getStyle().set("image-rendering", "pixelated");
                    cell.add(image);
                } else {
                    Element audio = new Element("audio");
                    audio.setAttribute("controls", true);
                    audio.setAttribute("preload", "none");
                    audio.setAttribute("src", handler);
                    cell.getElement().appendChild(audio);
                }
                String[] parts = f.path().split("/");
                Span caption = new Span(parts.length >= 3 ? parts[1] : f.name());
                caption.getStyle().set("display", "block").set("font-size", "var(--lumo-font-size-xs)");
                cell.add(caption);
                gallery.add(cell);
            }
            layout.add(new H4("Preview"), gallery);
        }
        files.stream().filter(f -> ext(f).equals("csv") || ext(f).equals("tsv") || ext(f).equals("jsonl"))
                .sorted((a, b) -> Boolean.compare(!a.path().contains("train"), !b.path().contains("train"))).findFirst()
                .ifPresent(table -> {
                    List<Map<String, String>> rows = inspector.previewRows(table, 20);
                    Grid<Map<String, String>> grid = new Grid<>();
                    for (String column : schema.columns()) {
                        grid.addColumn(r -> r.getOrDefault(column, "")).setHeader(column).setResizable(true);
                    }
                    grid.setItems(rows);
                    grid.setAllRowsVisible(true);
                    grid.addThemeVariants(GridVariant.LUMO_COMPACT, GridVariant.LUMO_ROW_STRIPES);
                    grid.setId("dataset-rows");
                    layout.add(new H4("First rows of " + table.path()), grid);
                });
        return layout;
    }

    /** Up to {@code limit} files taken in turn from each label folder, so every class shows up. */
    private static List<RepoFile> sample(List<RepoFile> media, int limit) {
        Map<String, Deque<RepoFile>> byLabel = new LinkedHashMap<>();
        for (RepoFile f : media) {
            String[] parts = f.path().split("/");
            byLabel.computeIfAbsent(parts.length >= 3 ? parts[1] : "", k -> new ArrayDeque<>()).add(f);
        }
        List<RepoFile> out = new ArrayList<>();
        while (out.size() < limit && byLabel.values().stream().anyMatch(q -> !q.isEmpty())) {
            for (Deque<RepoFile> q : byLabel.values()) {
                if (!q.isEmpty() && out.size() < limit) {
                    out.add(q.poll());
                }
            }
        }
        return out;
    }

    private static String ext(RepoFile f) {
        int dot = f.path().lastIndexOf('.');
        return dot < 0 ? "" : f.path().substring(dot + 1).toLowerCase(Locale.ROOT);
    }
}
