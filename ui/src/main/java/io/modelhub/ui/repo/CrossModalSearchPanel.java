package io.modelhub.ui.repo;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.Key;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H4;
import com.vaadin.flow.component.html.Image;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexLayout;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.dom.Element;
import com.vaadin.flow.server.streams.DownloadEvent;
import com.vaadin.flow.server.streams.DownloadHandler;
import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.RepoFile;
import io.modelhub.crossmodal.CrossModalSearch;
import io.modelhub.downloads.DownloadService;
import io.modelhub.platform.ApiException;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;

import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The search tab of a dual encoder: type a text and see the other side's items (images, clips) ranked, or click an
 * item and see the texts that match it best. Media are shown from the model's training dataset (the first of its
 * card's datasets, at main). Answers come from the model's committed embedding index ({@link CrossModalSearch}).
 */
final class CrossModalSearchPanel {
    private static final int HITS = 8;

    private CrossModalSearchPanel() {
    }

    static Component of(Repo model, CrossModalSearch.Index index, CrossModalSearch search, RepoService repos,
                        CommitService commits, DownloadService downloads, Viewer viewer) {
        VerticalLayout layout = new VerticalLayout();
        layout.setId("crossmodal-panel");
        layout.add(new H4("Search across modalities"), new Paragraph("This model aligns " + index.a().modality()
                + " with " + index.b().modality() + ". Its index holds " + index.size() + " pairs of its training "
                + "dataset; a typed text is embedded by the model's own text tower on a serving runner. Click an "
                + "item to see the texts that match it best" + (index.labels().isEmpty() ? "." : " and its zero-shot label among "
                + String.join(", ", index.labels()) + ".")));
        Media media = Media.of(model, repos, commits, downloads, viewer);
        Span error = new Span();
        error.setId("crossmodal-error");
        error.getStyle().set("color", "var(--lumo-error-text-color)");
        Span searchedAs = new Span();
        searchedAs.setId("crossmodal-searched-as");
        FlexLayout results = new FlexLayout();
        results.setId("crossmodal-results");
        results.setFlexWrap(FlexLayout.FlexWrap.WRAP);
        VerticalLayout itemResults = new VerticalLayout();
        itemResults.setId("crossmodal-item-results");
        itemResults.setPadding(false);

        String textSide = index.textSide();
        if (textSide != null) {
            TextField query = new TextField();
            query.setId("crossmodal-query");
            query.setPlaceholder("a caption, e.g. " + CrossModalSearch.exampleText(index));
            query.setWidth("28em");
            Button go = new Button("Search", e -> {
                error.setText("");
                try {
                    CrossModalSearch.Answer answer = search.byText(model, index, query.getValue(), HITS);
                    searchedAs.setText("Searched as “" + answer.searchedAs() + "”, embedded by the model's text tower");
                    show(results, itemResults, answer, index, search, media, error);
                } catch (ApiException ex) {
                    // e.g. 503 "No serving runner online ...": the query needs the model's text tower on a runner
                    error.setText(ex.getMessage());
                } catch (InterruptedException ex) {
                    Thread.currentThread().interrupt();
                    error.setText("The search was interrupted");
                }
            });
            go.setId("crossmodal-search");
            go.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
            go.addClickShortcut(Key.ENTER);
            layout.add(new HorizontalLayout(query, go));
            // until a text is typed: an indexed caption's best items, which needs no runner
            String example = CrossModalSearch.exampleText(index);
            searchedAs.setText("Showing the items that match the indexed caption “" + example + "”");
            show(results, itemResults, search.byItem(index, textSide, example, HITS), index, search, media, error);
        } else {
            // no text side (e.g. image-audio): start from the first items of side a
            show(results, itemResults, search.byItem(index, "a", index.items().get(0).a(), HITS), index, search, media, error);
        }
        layout.add(error, searchedAs, results, itemResults);
        return layout;
    }

    private static void show(FlexLayout results, VerticalLayout itemResults, CrossModalSearch.Answer answer,
                             CrossModalSearch.Index index, CrossModalSearch search, Media media, Span error) {
        results.removeAll();
        itemResults.removeAll();
        CrossModalSearch.Side side = index.side(answer.side());
        for (CrossModalSearch.Hit hit : answer.hits()) {
            Div cell = new Div();
            cell.addClassName("crossmodal-hit");
            cell.getElement().setAttribute("data-item", hit.item());
            cell.getStyle().set("margin", "var(--lumo-space-s)").set("text-align", "center").set("cursor", "pointer");
            Span score = new Span(String.format(Locale.ROOT, "#%d · %.3f", hit.rank(), hit.score()));
            score.addClassName("crossmodal-score");
            score.getStyle().set("display", "block").set("font-size", "var(--lumo-font-size-xs)");
            cell.add(score);
            if (side.modality().equals("text")) {
                cell.add(new Span(hit.item()));
            } else {
                cell.add(media.render(hit.item(), side.modality()));
                cell.addClickListener(e -> {
                    itemResults.removeAll();
                    try {
                        CrossModalSearch.Answer texts = search.byItem(index, answer.side(), hit.item(), HITS);
                        itemResults.add(new H4("Best matches for " + hit.item()));
                        for (CrossModalSearch.Hit t : texts.hits()) {
                            Span line = new Span(String.format(Locale.ROOT, "#%d · %.3f · %s", t.rank(), t.score(), t.item()));
                            line.addClassName("crossmodal-text-hit");
                            itemResults.add(line);
                        }
                        List<CrossModalSearch.LabelScore> labels = search.zeroShot(index, answer.side(), hit.item());
                        if (!labels.isEmpty()) {
                            itemResults.add(new H4("Zero-shot: " + labels.get(0).label()));
                            for (CrossModalSearch.LabelScore l : labels) {
                                Span line = new Span(String.format(Locale.ROOT, "%s · %.1f %% (“%s”)", l.label(),
                                        100 * l.probability(), l.prompt()));
                                line.addClassName("crossmodal-zero-shot");
                                itemResults.add(line);
                            }
                        }
                    } catch (ApiException ex) {
                        error.setText(ex.getMessage());
                    }
                });
            }
            Span partner = new Span(hit.partner());
            partner.addClassName("crossmodal-partner");
            partner.getStyle().set("display", "block").set("font-size", "var(--lumo-font-size-xs)")
                    .set("color", "var(--lumo-secondary-text-color)");
            cell.add(partner);
            results.add(cell);
        }
    }

    /** Files of the model's training dataset, to show hits as images and audio players. */
    private record Media(Repo dataset, String head, Map<String, RepoFile> files, DownloadService downloads) {
        static Media of(Repo model, RepoService repos, CommitService commits, DownloadService downloads, Viewer viewer) {
            Map<String, RepoFile> files = new HashMap<>();
            if (model.datasets.isEmpty()) {
                return new Media(null, null, files, downloads);
            }
            try {
                Repo dataset = repos.visible(viewer, RepoName.parse(RepoType.DATASET, model.datasets.get(0)));
                String head = commits.resolve(dataset, CommitService.DEFAULT_BRANCH);
                for (RepoFile f : commits.files(head)) {
                    files.put(f.path(), f);
                }
                return new Media(dataset, head, files, downloads);
            } catch (ApiException notVisible) {
                return new Media(null, null, files, downloads);
            }
        }

        Component render(String path, String modality) {
            RepoFile f = files.get(path);
            if (f == null) {
                Span missing = new Span(path);
                missing.getStyle().set("display", "block");
                return missing;
            }
            DownloadHandler handler = (DownloadEvent event) -> {
                event.setFileName(f.name());
                downloads.stream(new DownloadService.Located(dataset, head, f), null, event.getOutputStream());
            };
            if (modality.equals("audio")) {
                Div holder = new Div();
                Element audio = new Element("audio");
                audio.setAttribute("controls", true);
                audio.setAttribute("preload", "none");
                audio.setAttribute("src", handler);
                holder.getElement().appendChild(audio);
                return holder;
            }
            Image image = new Image(handler, path);
            image.setWidth("96px");
            image.getStyle().set("image-rendering", "pixelated").set("display", "block");
            return image;
        }
    }
}
