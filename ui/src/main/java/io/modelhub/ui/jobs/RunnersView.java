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
import com.vaadin.flow.component.textfield.TextField;
import com.vaadin.flow.router.BeforeEnterEvent;
import com.vaadin.flow.router.BeforeEnterObserver;
import com.vaadin.flow.router.PageTitle;
import com.vaadin.flow.router.Route;
import io.modelhub.accounts.Viewer;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.ChangeNotifications;
import io.modelhub.runners.RunnerCredentialService;
import io.modelhub.runners.RunnerService;
import io.modelhub.runners.RunnerService.RunnerView;
import io.modelhub.ui.Formats;
import io.modelhub.ui.MainLayout;
import io.modelhub.ui.UiErrors;
import io.modelhub.ui.UiSession;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The runner nodes: capabilities, state, current job, last heartbeat, CPU/memory/GPU use. Signed-in users only, with
 * the same visibility as GET /api/runners (owners and other users' jobs for admins). Admins drain runners and issue
 * and revoke runner credentials here.
 */
@Route(value = "runners", layout = MainLayout.class)
@PageTitle("Runners · ModelHub")
public class RunnersView extends VerticalLayout implements BeforeEnterObserver {
    /**
     * Besides notifications: a runner that stops heartbeating is shown offline after {@link
     * RunnerService#OFFLINE_AFTER_SECONDS} without any write to say so, and "last heartbeat" ages.
     */
    private static final Duration SAFETY_REFRESH = Duration.ofSeconds(30);
    private final RunnerService runners;
    private final RunnerCredentialService credentials;
    private final Div list = new Div();
    private final Div credentialList = new Div();
    private final Viewer viewer;
    private List<RunnerView> shown = List.of();

    @Inject
    public RunnersView(RunnerService runners, RunnerCredentialService credentials, LiveUpdates live) {
        this.runners = runners;
        this.credentials = credentials;
        this.viewer = UiSession.viewer();
        if (viewer.anonymous()) {
            return; // beforeEnter sends the visitor to the sign-in page
        }
        list.setId("runners-list");
        list.setWidthFull();
        add(new H2("Runners"), list);
        show(runners.list(viewer));
        if (viewer.admin()) {
            add(credentialsPanel());
        }
        live.follow(this, () -> Set.of(ChangeNotifications.RUNNERS), SAFETY_REFRESH, () -> {
            List<RunnerView> now = runners.list(viewer);
            return now.equals(shown) ? null : () -> show(now);
        });
    }

    @Override
    public void beforeEnter(BeforeEnterEvent event) {
        if (viewer.anonymous()) {
            event.forwardTo("login");
        }
    }

    /** Issue a credential (its secret is shown once) and revoke them; a revoked runner stops at its next call. */
    private Component credentialsPanel() {
        TextField name = new TextField("Runner name");
        name.setId("credential-name");
        name.setPlaceholder("gpu-node-1");
        TextField issued = new TextField("Runner credential (copy it now: it is shown once)");
        issued.setId("issued-credential");
        issued.setReadOnly(true);
        issued.setWidth("32em");
        issued.setVisible(false);
        Button issue = new Button("Issue runner credential", e -> {
            try {
                RunnerCredentialService.IssuedCredential c = credentials.issue(viewer, name.getValue());
                issued.setValue(c.credential());
                issued.setVisible(true);
                name.clear();
                showCredentials();
            } catch (ApiException ex) {
                UiErrors.show(ex.getMessage());
            }
        });
        issue.setId("issue-credential");
        HorizontalLayout form = new HorizontalLayout(name, issue);
        form.setAlignItems(Alignment.BASELINE);
        credentialList.setId("credentials-list");
        showCredentials();
        Paragraph how = new Paragraph("A runner node starts with MODELHUB_URL and MODELHUB_RUNNER_CREDENTIAL set: "
                + "java -jar gpu-runners-runner.jar (see docs/runners.md).");
        return new VerticalLayout(new H3("Runner credentials"), how, form, issued, credentialList);
    }

    private void showCredentials() {
        credentialList.removeAll();
        for (RunnerCredentialService.CredentialView c : credentials.list(viewer)) {
            Div row = new Div();
            row.setId("credential-" + c.id());
            row.addClassName("credential-row");
            String text = c.name() + " · " + c.hint() + " · issued by " + c.createdBy() + " " + Formats.ago(c.createdAt())
                    + (c.runnerId() == null ? " · not registered yet" : " · runner " + c.runnerId())
                    + (c.revokedAt() == null ? "" : " · revoked " + Formats.ago(c.revokedAt()));
            row.add(new Span(text));
            if (c.revokedAt() == null) {
                Button revoke = new Button("Revoke", e -> {
                    try {
                        credentials.revoke(viewer, c.id());
                        UiErrors.success("Revoked: " + c.name() + " stops at its next call; its job goes back to the queue");
                        showCredentials();
                        show(runners.list(viewer));
                    } catch (ApiException ex) {
                        UiErrors.show(ex.getMessage());
                    }
                });
                revoke.addClassName("revoke-credential");
                revoke.addThemeVariants(ButtonVariant.LUMO_ERROR, ButtonVariant.LUMO_SMALL);
                row.add(revoke);
            }
            credentialList.add(row);
        }
    }

    private void show(List<RunnerView> all) {
        shown = all;
        list.removeAll();
        if (all.isEmpty()) {
            list.add(new Paragraph("No runner has registered yet. An admin issues a runner credential below; a node starts "
                    + "with it: java -jar gpu-runners-runner.jar (see docs/runners.md)."));
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
        Paragraph caps = new Paragraph(String.format(Locale.ROOT, "Runner %d%s · %d GPU%s%s · %d CPU cores · %s memory%s",
                r.id(), r.owner() == null ? "" : " · enrolled by " + r.owner(), r.gpuCount(), r.gpuCount() == 1 ? "" : "s",
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
                    show(runners.list(viewer));
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
