package io.modelhub.ui.jobs;

import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.grid.Grid;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.ListItem;
import com.vaadin.flow.component.html.OrderedList;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Pre;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.FlexComponent;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.HasDynamicTitle;
import com.vaadin.flow.router.Route;
import io.modelhub.accounts.Viewer;
import io.modelhub.jobs.JobService;
import io.modelhub.jobs.JobState;
import io.modelhub.jobs.JobService.JobView;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.ChangeNotifications;
import io.modelhub.platform.JsonText;
import io.modelhub.runners.RunnerService;
import io.modelhub.ui.MainLayout;
import io.modelhub.ui.UiErrors;
import io.modelhub.ui.UiSession;
import io.modelhub.ui.charts.LineChart;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A job as it runs: state and its timeline, why it is pending, loss and metric curves, per-epoch table, the log
 * tail, the runner's CPU/GPU use, the submitted spec, and cancel / resume / retry and the model it produced. All
 * of it follows the job through {@link LiveUpdates} (server push), no reload.
 */
@Route(value = "jobs/:id", layout = MainLayout.class)
public class JobPage extends VerticalLayout implements BeforeEnterObserver, HasDynamicTitle {
    /** Points per series sent to the browser, however long the run (LTTB on the server). */
    static final int MAX_POINTS = 400;

    private final JobService jobs;
    private final JsonText json;
    private final JobFeeds feeds;

    /** Read by the notification thread to match topics. */
    private volatile long jobId;
    private Viewer viewer;
    private String title = "Job · ModelHub";

    private final Span state = new Span();
    private final Paragraph pending = new Paragraph();
    private final OrderedList timeline = new OrderedList();
    private final HorizontalLayout actions = new HorizontalLayout();
    private final Div outputLink = new Div();
    private final LineChart lossChart = new LineChart("step");
    private final LineChart metricChart = new LineChart("step");
    private final Grid<Map<String, Double>> epochs = new Grid<>();
    private final Pre logs = new Pre();
    private final Div system = new Div();
    private final Pre spec = new Pre();

    /** What the page shows now, to send only what changed. */
    private volatile JobState shownState; // read by the notification thread for what the page follows
    private long shownPoints = -1;
    private long lastLogId;
    private final List<String> logLines = new ArrayList<>();
    private final Set<String> epochColumns = new TreeSet<>();

    @Inject
    public JobPage(JobService jobs, JsonText json, LiveUpdates live, JobFeeds feeds) {
        this.jobs = jobs;
        this.json = json;
        this.feeds = feeds;
        setWidthFull();
        // a queued job's page also follows the runners: its pending reason ("no runner offers ...") changes with them
        live.follow(this, () -> jobId == 0 ? Set.of() : shownState == JobState.QUEUED
                ? Set.of(ChangeNotifications.job(jobId), ChangeNotifications.RUNNERS)
                : Set.of(ChangeNotifications.job(jobId)), null, this::load);
    }

    @Override
    public String getPageTitle() {
        return title;
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        viewer = UiSession.viewer();
        removeAll();
        // the router may reuse this view for another job: forget what was shown
        jobId = 0;
        shownState = null;
        shownPoints = -1;
        lastLogId = 0;
        logLines.clear();
        epochColumns.clear();
        JobView job;
        try {
            long id = Long.parseLong(event.getRouteParameters().get("id").orElse(""));
            job = jobs.get(viewer, id);
            jobId = id;
        } catch (NumberFormatException | ApiException e) {
            add(new H2("Not found"), new Paragraph(e instanceof ApiException ? e.getMessage() : "No such job"));
            return;
        }
        title = "Job " + jobId + " · ModelHub";
        build(job);
        Runnable first = load();
        if (first != null) {
            first.run();
        }
    }

    private void build(JobView job) {
        H2 heading = new H2("Job " + job.id() + ": " + job.recipe());
        heading.setId("job-title");
        state.setId("job-state");
        state.getElement().getThemeList().add("badge");
        pending.setId("pending-reason");
        timeline.setId("job-timeline");
        actions.setId("job-actions");
        outputLink.setId("job-output");
        lossChart.setId("loss-chart");
        metricChart.setId("metric-chart");
        epochs.setId("epoch-table");
        epochs.setAllRowsVisible(true);
        logs.setId("job-logs");
        logs.getStyle().set("max-height", "22em").set("overflow", "auto").set("width", "100%")
                .set("background", "var(--lumo-contrast-5pct)").set("padding", "var(--lumo-space-s)").set("font-size", "var(--lumo-font-size-s)");
        system.setId("runner-system");
        spec.setId("job-spec");

        Paragraph inputs = new Paragraph();
        if (job.baseModel() != null) {
            inputs.add(new Span("Base model "), new Anchor("/" + job.baseModel(), job.baseModel()), new Span(" · "));
        }
        inputs.add(new Span("dataset "), new Anchor("/datasets/" + job.dataset(), job.dataset()), new Span(" · owner " + job.owner()));
        HorizontalLayout head = new HorizontalLayout(heading, state);
        head.setAlignItems(FlexComponent.Alignment.BASELINE);
        HorizontalLayout charts = new HorizontalLayout(wrap("Loss", lossChart), wrap("Metrics", metricChart));
        charts.setWidthFull();
        Map<String, Object> submitted = new LinkedHashMap<>();
        submitted.put("recipe", job.recipe() + " " + job.recipeVersion());
        submitted.put("baseModel", job.baseModel() == null ? null : job.baseModel() + "@" + job.baseRevision());
        submitted.put("dataset", job.dataset() + "@" + job.datasetRevision());
        submitted.put("params", job.params());
        submitted.put("outputRepo", job.outputRepo());
        submitted.put("gpus", job.gpus());
        submitted.put("gpuMemoryMb", job.gpuMemoryMb());
        submitted.put("labels", job.labels());
        submitted.put("priority", job.priority());
        submitted.put("maxAttempts", job.maxAttempts());
        spec.setText(pretty(submitted));
        add(head, inputs, pending, actions, outputLink, charts, new H3("Epochs"), epochs, new H3("Log"), logs,
                new H3("Runner"), system, new H3("Timeline"), timeline, new H3("Submitted spec"), spec);
    }

    private static Div wrap(String caption, LineChart chart) {
        Div d = new Div(new H3(caption), chart);
        d.getStyle().set("flex", "1 1 0").set("min-width", "20em");
        return d;
    }

    /** Reads what changed since the last look (outside the session lock) and returns the update, or null. */
    private Runnable load() {
        long jobId = this.jobId;
        if (jobId == 0) {
            return null;
        }
        JobFeeds.Snapshot now = feeds.snapshot(viewer, jobId);
        JobView job = now.job();
        long seenLog = lastLogId;
        List<JobService.LogLine> newLines = now.logTail().stream().filter(l -> l.id() > seenLog).toList();
        boolean stateChanged = !job.state().equals(shownState);
        boolean chartsChanged = now.series() != null && now.points() != shownPoints;
        return () -> {
            if (jobId != this.jobId) {
                return;
            }
            if (stateChanged) {
                showState(job, now.events(), now.checkpoint());
            }
            pending.setText(job.pendingReason() == null ? "" : "Pending: " + job.pendingReason());
            pending.setVisible(job.pendingReason() != null);
            if (chartsChanged) {
                showMetrics(now.series(), now.epochRows());
                shownPoints = now.points();
            }
            if (!newLines.isEmpty()) {
                appendLogs(newLines);
            }
            showRunner(now.runner(), job);
        };
    }

    private void showState(JobView job, List<JobService.Event> events, Integer checkpoint) {
        shownState = job.state();
        state.setText(job.state() + (job.attempt() > 0 ? " · attempt " + job.attempt() + " of " + job.maxAttempts() : ""));
        state.getElement().getThemeList().removeAll(List.of("success", "error", "contrast"));
        switch (job.state()) {
            case SUCCEEDED -> state.getElement().getThemeList().add("success");
            case FAILED -> state.getElement().getThemeList().add("error");
            case CANCELLED -> state.getElement().getThemeList().add("contrast");
            default -> { }
        }
        timeline.removeAll();
        for (JobService.Event e : events) {
            ListItem item = new ListItem(e.state() + " · " + time(e.at()) + (e.attempt() > 0 ? " · attempt " + e.attempt() : "")
                    + (e.runnerId() == null ? "" : " · runner " + e.runnerId()));
            item.addClassName("timeline-" + e.state());
            timeline.add(item);
        }
        if (job.error() != null) {
            timeline.add(new ListItem("Error: " + job.error()));
        }
        actions.removeAll();
        boolean mine = viewer.admin() || job.owner().equals(viewer.username());
        if (mine && job.state().canBecome(JobState.CANCELLED)) {
            Button cancel = new Button(job.cancelRequested() ? "Cancelling…" : "Cancel", e -> act(() -> jobs.cancel(viewer, jobId)));
            cancel.setId("cancel-job");
            cancel.setEnabled(!job.cancelRequested());
            cancel.addThemeVariants(ButtonVariant.LUMO_ERROR);
            actions.add(cancel);
        }
        // what JobService.retry accepts: a job that ended and may be queued again
        if (mine && !job.state().active() && job.state().canBecome(JobState.QUEUED)) {
            Button resume = new Button(checkpoint == null ? "Retry" : "Resume from epoch " + checkpoint,
                    e -> act(() -> jobs.retry(viewer, jobId, false)));
            resume.setId("resume-job");
            resume.addThemeVariants(ButtonVariant.LUMO_PRIMARY);
            Button scratch = new Button("Retry from scratch", e -> act(() -> jobs.retry(viewer, jobId, true)));
            scratch.setId("retry-job");
            actions.add(resume, scratch);
        }
        outputLink.removeAll();
        if (job.state() == JobState.SUCCEEDED && job.outputCommit() != null) {
            Anchor link = new Anchor("/" + job.outputRepo(), job.outputRepo());
            link.setId("output-model-link");
            outputLink.add(new Span("Produced "), link, new Span(" at " + job.outputCommit().substring(0, 10)
                    + (job.result() == null || job.result().isEmpty() ? "" : " · " + results(job.result()))));
        }
    }

    private void act(Runnable action) {
        try {
            action.run();
            feeds.stale(jobId); // the notification of this change may not be back yet
            shownState = null;
            Runnable update = load();
            if (update != null) {
                update.run();
            }
        } catch (ApiException e) {
            UiErrors.show(e.getMessage());
        }
    }

    private void showMetrics(Map<String, List<JobService.MetricPoint>> series, List<Map<String, Double>> rows) {
        Map<String, List<LineChart.Point>> loss = new LinkedHashMap<>();
        Map<String, List<LineChart.Point>> other = new LinkedHashMap<>();
        series.forEach((name, points) -> {
            if (name.equals("epoch")) {
                return;
            }
            List<LineChart.Point> drawn = points.stream().map(p -> new LineChart.Point(p.step(), p.value())).toList();
            (name.contains("loss") ? loss : other).put(name, drawn);
        });
        lossChart.setSeries(loss);
        metricChart.setSeries(other);
        Set<String> columns = new TreeSet<>();
        rows.forEach(r -> columns.addAll(r.keySet()));
        columns.remove("epoch");
        columns.remove("step");
        if (!columns.equals(epochColumns)) {
            epochColumns.clear();
            epochColumns.addAll(columns);
            epochs.removeAllColumns();
            epochs.addColumn(r -> fmt(r.get("epoch"))).setHeader("epoch");
            epochs.addColumn(r -> fmt(r.get("step"))).setHeader("step");
            for (String c : columns) {
                epochs.addColumn(r -> fmt(r.get(c))).setHeader(c);
            }
        }
        epochs.setItems(rows);
    }

    private void appendLogs(List<JobService.LogLine> lines) {
        for (JobService.LogLine l : lines) {
            if (l.id() <= lastLogId) {
                continue; // already shown by an update that ran first
            }
            logLines.add(time(l.at()) + "  " + l.line());
            lastLogId = Math.max(lastLogId, l.id());
        }
        while (logLines.size() > JobFeeds.LOG_TAIL) {
            logLines.remove(0);
        }
        logs.setText(String.join("\n", logLines));
        // follow the tail unless the reader scrolled up
        logs.getElement().executeJs("const el = this; requestAnimationFrame(() => { if (!el.dataset.scrolled) el.scrollTop = el.scrollHeight; });"
                + "if (!el.dataset.wired) { el.dataset.wired = '1'; el.addEventListener('scroll', () => {"
                + "el.dataset.scrolled = el.scrollTop + el.clientHeight < el.scrollHeight - 4 ? '1' : ''; }); }");
    }

    private void showRunner(RunnerService.RunnerView runner, JobView job) {
        system.removeAll();
        if (runner == null) {
            system.add(new Span(job.state() == JobState.QUEUED ? "Not on a runner yet" : "No runner holds this job"));
            return;
        }
        system.add(new Paragraph(runner.name() + " (runner " + runner.id() + ", " + runner.state() + ")"));
        system.add(RunnersView.utilisation(runner));
    }

    private String pretty(Object value) {
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(value);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            return json.write(value);
        }
    }

    private static String results(Map<String, Object> result) {
        List<String> parts = new ArrayList<>();
        new java.util.TreeMap<>(result).forEach((k, v) -> parts.add(k + " " + (v instanceof Number n ? fmt(n.doubleValue()) : v)));
        return String.join(", ", parts);
    }

    static String fmt(Double v) {
        if (v == null) {
            return "";
        }
        return v == Math.rint(v) ? String.valueOf(v.longValue()) : String.format(Locale.ROOT, "%.4f", v);
    }

    static String time(Instant t) {
        return t == null ? "" : t.toString().replace('T', ' ').replaceAll("\\.\\d+Z$", "Z");
    }
}
