package io.modelhub.ui.jobs;

import com.vaadin.flow.component.Component;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.shared.Registration;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Refreshes the open job, jobs and runners pages through server push: each attached view registers a loader that
 * reads what changed (on this scheduler's threads, outside the session lock) and returns the update to apply
 * under {@link UI#access}. Detached views are unregistered, so closed pages cost nothing.
 */
@ApplicationScoped
public class LiveUpdates {
    private static final Logger LOG = Logger.getLogger(LiveUpdates.class);
    static final long PERIOD_MILLIS = 1000;

    private final ScheduledExecutorService scheduler = Executors.newScheduledThreadPool(2, r -> {
        Thread t = new Thread(r, "ui-live-updates");
        t.setDaemon(true);
        return t;
    });

    /**
     * While {@code view} is attached, runs {@code load} every second and applies the update it returns (null: nothing
     * changed) to the view's UI.
     */
    public void follow(Component view, Supplier<Runnable> load) {
        view.addAttachListener(attach -> {
            UI ui = attach.getUI();
            // fixed delay: a slow load never overlaps the next one
            var task = scheduler.scheduleWithFixedDelay(() -> tick(ui, load), PERIOD_MILLIS, PERIOD_MILLIS, TimeUnit.MILLISECONDS);
            Registration[] detach = new Registration[1];
            detach[0] = view.addDetachListener(d -> {
                task.cancel(false);
                detach[0].remove();
            });
        });
    }

    private void tick(UI ui, Supplier<Runnable> load) {
        try {
            if (!ui.isAttached()) {
                return;
            }
            Runnable update = load.get();
            if (update != null) {
                ui.access(update::run);
            }
        } catch (RuntimeException e) {
            LOG.debug("Live update failed; the next tick tries again", e);
        }
    }

    void stop(@Observes ShutdownEvent event) {
        scheduler.shutdownNow();
    }
}
