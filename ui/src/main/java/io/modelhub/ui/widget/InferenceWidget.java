package io.modelhub.ui.widget;

import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H4;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import io.modelhub.accounts.Viewer;
import io.modelhub.commits.RepoFile;
import io.modelhub.downloads.DownloadService;
import io.modelhub.inference.InferenceCalls;
import io.modelhub.repos.Repo;

import java.io.ByteArrayOutputStream;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The inference widget of a model page: the input of the model's task (text box, image or audio upload), the card's
 * example inputs, a Compute button, and the answer (labelled scores, a vector summary) with its latency. A model
 * that is loading shows "loading on runner ..., about N s" and is asked again until it answers; no serving runner,
 * an input the model refuses, or a model the viewer may not read show the API's own message.
 */
public final class InferenceWidget extends VerticalLayout {
    private final Repo repo;
    private final WidgetTasks.WidgetTask task;
    private final WidgetInput input;
    private final WidgetCalls calls;
    private final Button compute = new Button("Compute");
    private final Span status = new Span();
    private final Span error = new Span();
    private final Div results = new Div();
    private final Span latency = new Span();
    private final FlexLayout examples = new FlexLayout();
    private volatile boolean shown;

    private InferenceWidget(Repo repo, WidgetTasks.WidgetTask task, WidgetCalls calls) {
        this.repo = repo;
        this.task = task;
        this.input = task.input().get();
        this.calls = calls;
        setId("inference-widget");
        getElement().setAttribute("data-task", task.task());
        setPadding(true);
        setSpacing(false);
        getStyle().set("border", "1px solid var(--lumo-contrast-10pct)").set("border-radius", "var(--lumo-border-radius-l)");
        H4 heading = new H4("Inference · " + task.task());
        heading.getStyle().set("margin-top", "0");
        compute.setId("widget-compute");
        compute.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
        compute.addClickListener(e -> compute());
        status.setId("widget-status");
        status.getStyle().set("color", "var(--lumo-secondary-text-color)");
        error.setId("widget-error");
        error.getStyle().set("color", "var(--lumo-error-text-color)");
        results.setId("widget-results");
        results.setWidthFull();
        latency.setId("widget-latency");
        latency.getStyle().set("color", "var(--lumo-secondary-text-color)").set("font-size", "var(--lumo-font-size-xs)");
        add(heading, input.component());
        addAttachListener(e -> shown = true);
        addDetachListener(e -> shown = false);
        examples.setId("widget-examples");
        examples.setFlexWrap(FlexLayout.FlexWrap.WRAP);
        add(examples, compute, status, error, results, latency);
    }

    /** The widget for the model's pipeline tag, if the hub serves that task. */
    public static Optional<InferenceWidget> of(Repo repo, String head, List<RepoFile> files, Map<String, Object> frontMatter,
                                               WidgetCalls calls, DownloadService downloads) {
        return WidgetTasks.forPipelineTag(repo.pipelineTag).map(task -> {
            InferenceWidget widget = new InferenceWidget(repo, task, calls);
            widget.addExamples(WidgetExamples.of(frontMatter), repo, head, files, downloads);
            return widget;
        });
    }

    private void addExamples(List<WidgetExamples.Example> all, Repo repo, String head, List<RepoFile> files,
                             DownloadService downloads) {
        for (WidgetExamples.Example example : all) {
            if (!input.takes(example)) {
                continue;
            }
            Button button = new Button(example.title());
            button.addClassName("widget-example");
            button.addThemeVariants(ButtonVariant.LUMO_SMALL, ButtonVariant.LUMO_TERTIARY);
            if (example.src() == null) {
                button.addClickListener(e -> input.use(example, null));
            } else {
                Optional<RepoFile> file = WidgetExamples.repoPath(example.src(), repo.fullId())
                        .flatMap(path -> files.stream().filter(f -> f.path().equals(path)).findFirst());
                if (file.isEmpty() || file.get().size() > FileInput.MAX_BYTES) {
                    button.setEnabled(false);
                    button.setTooltipText("Not loadable: an example's src must be a file of this repository (under "
                            + FileInput.MAX_BYTES / (1024 * 1024) + " MiB)");
                } else {
                    RepoFile f = file.get();
                    button.addClickListener(e -> {
                        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
                        try {
                            downloads.stream(new DownloadService.Located(repo, head, f), null, bytes);
                        } catch (java.io.IOException unreadable) {
                            error.setText("The example " + f.path() + " could not be read: " + unreadable.getMessage());
                            return;
                        }
                        error.setText("");
                        input.use(example, new WidgetExamples.File(f.name(), WidgetExamples.contentType(f.path()),
                                bytes.toByteArray()));
                    });
                }
            }
            examples.add(button);
        }
        examples.setVisible(examples.getComponentCount() > 0);
    }

    private void compute() {
        error.setText("");
        status.setText("");
        Optional<WidgetInput.Body> body = input.body();
        if (body.isEmpty()) {
            error.setText(input.missing());
            return;
        }
        compute.setEnabled(false);
        status.setText("Computing…");
        UI ui = UI.getCurrent();
        Viewer viewer = io.modelhub.ui.UiSession.viewer();
        String[] id = repo.fullId().split("/", 2);
        calls.start(ui, () -> shown, viewer, id[0], id[1], task.task(), body.get(), this::show);
    }

    private void show(WidgetCalls.Update update) {
        InferenceCalls.Answer answer = update.answer();
        if (!update.done()) {
            status.setText("loading".equals(answer.reason())
                    ? String.format(Locale.ROOT, "Model loading on runner %s, about %d s…", answer.runnerName(), answer.retryAfter())
                    : "All serving runners are busy; trying again…");
            return;
        }
        compute.setEnabled(true);
        status.setText("");
        if (update.refusal() != null || !answer.ok()) {
            // an old answer beside a new error would read as the answer to this input
            results.removeAll();
            latency.setText("");
            error.setText(update.refusal() != null ? update.refusal() : answer.error());
            return;
        }
        try {
            results.removeAll();
            results.add(task.answer().render(answer.output()));
        } catch (IllegalArgumentException unexpected) {
            error.setText("The runner answered in a shape this widget does not show: " + unexpected.getMessage());
            return;
        }
        latency.setText(update.tries() > 1
                ? String.format(Locale.ROOT, "Computed in %d ms, %.1f s after Compute (the model was loading)",
                        answer.computeMillis(), update.elapsedMillis() / 1000.0)
                : String.format(Locale.ROOT, "Computed in %d ms", answer.computeMillis()));
        latency.getElement().setAttribute("data-millis", Long.toString(answer.computeMillis()));
    }
}
