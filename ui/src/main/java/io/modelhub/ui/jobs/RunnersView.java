package io.modelhub.ui.jobs;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.button.Button;
import com.vaadin.flow.component.button.ButtonVariant;
import com.vaadin.flow.component.html.Anchor;
import com.vaadin.flow.component.html.Div;
import com.vaadin.flow.component.html.H2;
import com.vaadin.flow.component.html.H3;
import com.vaadin.flow.component.html.Paragraph;
import com.vaadin.flow.component.html.Span;
import com.vaadin.flow.component.orderedlayout.HorizontalLayout;
import com.vaadin.flow.component.orderedlayout.VerticalLayout;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.modelhub.accounts.Viewer;
import io.modelhub.platform.ApiException;
import io.modelhub.runners.RunnerService;
import io.modelhub.runners.RunnerService.RunnerView;
import io.modelhub.ui.Formats;
import io.modelhub.ui.MainLayout;
import io.modelhub.ui.UiErrors;
import io.modelhub.ui.UiSession;
import jakarta.inject.Inject;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/** The runner nodes: capabilities, state, current job, last heartbeat, CPU/memory/GPU use; admins drain them. */
@Route(value = "runners", layout = MainLayout.class)
@PageTitle("Runners · ModelHub")
public class RunnersView extends VerticalLayout {
    private final RunnerService runners;
    private final Div list = new Div();
    private final Viewer viewer;
    private List<RunnerView> shown = List.of();

    @Inject
    public RunnersView(RunnerService runners, LiveUpdates live) {
        this.runners = runners;
        this.viewer = UiSession.viewer();
        list.setId("runners-list");
        list.setWidthFull();
        add(new H2("Runners"), list);
        show(runners.list());
        live.follow(this, () -> {
            List<RunnerView> now = runners.list();
            return now.equals(shown) ? null : () -> show(now);
        });
    }

    private void show(List<RunnerView> all) {
        shown = all;
        list.removeAll();
        if (all.isEmpty()) {
            list.add(new Paragraph("No runner has registered yet. Start one with java -jar gpu-runners-runner.jar (see the README)."));
        }
        for (RunnerView r : all) {
            list.add(card(r));
        }
    }

    private Component card(RunnerView r) {
        Div card = new Div();
        card.setId("runner-" + r.id());
        card.addClassName("runner-card");
        card.getStyle().set("border", "1px solid var(--lumo-contrast-10pct)").set("border-radius", "var(--lumo-border-radius-m)")
                .set("padding", "var(--lumo-space-s) var(--lumo-space-m)").set("margin-bottom", "var(--lumo-space-s)");
        Span state = new Span(r.state());
        state.addClassName("runner-state");
        state.getElement().getThemeList().add("badge " + (r.state().equals("active") ? "success" : r.state().equals("offline") ? "error" : "contrast"));
        H3 name = new H3(r.name());
        name.addClassName("runner-name");
        HorizontalLayout head = new HorizontalLayout(name, state);
        head.setAlignItems(Alignment.BASELINE);
        Div job = new Div();
        job.addClassName("runner-job");
        if (r.currentJob() != null) {
            Anchor link = new Anchor("/jobs/" + r.currentJob(), "job " + r.currentJob());
            link.addClassName("runner-job-link");
            job.add(new Span("Running "), link);
        } else {
            job.add(new Span("Idle"));
        }
        Paragraph caps = new Paragraph(String.format(Locale.ROOT, "Runner %d · owner %s · %d GPU%s%s · %d CPU cores · %s memory%s",
                r.id(), r.owner(), r.gpuCount(), r.gpuCount() == 1 ? "" : "s",
                r.gpuCount() > 0 ? " (" + r.gpuMemoryMb() + " MB each)" : "", r.cpuCores(), Formats.bytes(r.memoryBytes()),
                r.labels().isEmpty() ? "" : " · labels " + String.join(", ", r.labels())));
        Paragraph recipes = new Paragraph("Recipes: " + String.join(", ", r.recipes()));
        Paragraph heartbeat = new Paragraph("Last heartbeat " + Formats.ago(r.lastHeartbeat()) + " (" + JobPage.time(r.lastHeartbeat()) + ")");
        heartbeat.addClassName("runner-heartbeat");
        card.add(head, job, caps, recipes, heartbeat, utilisation(r));
        if (viewer.admin() && r.state().equals("active")) {
            Button drain = new Button("Drain", e -> {
                try {
                    runners.drain(viewer, r.id());
                    UiErrors.success(r.name() + " finishes its job and takes no new one");
                    show(runners.list());
                } catch (ApiException ex) {
                    UiErrors.show(ex.getMessage());
                }
            });
            drain.addClassName("drain-runner");
            drain.addThemeVariants(ButtonVariant.LUMO_ERROR, ButtonVariant.LUMO_SMALL);
            card.add(drain);
        }
        return card;
    }

    /** CPU, memory and per-GPU use as the runner last reported them. */
    static Component utilisation(RunnerView r) {
        Map<String, Object> u = r.utilisation();
        Div box = new Div();
        box.addClassName("runner-utilisation");
        if (u == null || u.isEmpty()) {
            box.add(new Span("No system metrics reported yet"));
            return box;
        }
        StringBuilder text = new StringBuilder();
        if (u.get("cpu") instanceof Number cpu) {
            text.append(String.format(Locale.ROOT, "CPU %.0f%%", cpu.doubleValue() * 100));
        }
        if (u.get("memoryUsedBytes") instanceof Number used) {
            text.append(" · memory ").append(Formats.bytes(used.longValue()));
            if (u.get("memoryTotalBytes") instanceof Number total) {
                text.append(" of ").append(Formats.bytes(total.longValue()));
            }
        }
        box.add(new Paragraph(text.toString()));
        if (u.get("gpus") instanceof List<?> gpus) {
            for (Object g : gpus) {
                if (g instanceof Map<?, ?> gpu) {
                    Object util = gpu.get("utilisation");
                    box.add(new Paragraph(String.format(Locale.ROOT, "GPU %s %s: %.0f%% · %s of %s MB", gpu.get("index"), gpu.get("name"),
                            util instanceof Number n ? n.doubleValue() * 100 : 0.0, gpu.get("memoryUsedMb"), gpu.get("memoryTotalMb"))));
                }
            }
        } else {
            box.add(new Paragraph("No GPU reported"));
        }
        if (r.utilisationAt() != null) {
            box.add(new Span("as of " + Formats.ago(r.utilisationAt())));
        }
        return box;
    }
}
