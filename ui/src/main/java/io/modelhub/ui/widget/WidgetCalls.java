package io.modelhub.ui.widget;

import com.vaadin.flow.component.UI;
import io.modelhub.accounts.Viewer;
import io.modelhub.inference.InferenceCalls;
import io.modelhub.platform.ApiException;
import io.quarkus.arc.Arc;
import io.quarkus.arc.ManagedContext;
import io.quarkus.runtime.ShutdownEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * Runs the widgets' inference calls off the session lock (a call waits for a runner) and pushes what happens to the
 * page: each call goes through {@link InferenceCalls}, as the signed-in user (or anonymous), exactly like
 * {@code POST /models/{ns}/{name}}. While the model loads (HF's 503 "loading") or the runners are busy, the page
 * says so and the call is made again, as Hugging Face's widget does, until it is answered or the page is left.
 */
@ApplicationScoped
public class WidgetCalls {
    private static final Logger LOG = Logger.getLogger(WidgetCalls.class);
    /** A model that loads for longer than this many tries is left to the user's next click. */
    static final int MAX_TRIES = 60;

    @Inject
    InferenceCalls calls;
    /**
     * How long one try waits before the page hears "loading": short, so that the user sees the state soon, while a
     * warm model answers well within it.
     */
    @ConfigProperty(name = "modelhub.inference.widget-wait-seconds", defaultValue = "3")
    int waitSeconds;

    private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
        Thread t = new Thread(r, "ui-inference-widget");
        t.setDaemon(true);
        return t;
    });

    /** What the page hears: while waiting {@code answer} is the 503 it got; at the end, the answer or a refusal. */
    public record Update(InferenceCalls.Answer answer, String refusal, boolean done, int tries, long elapsedMillis) {
    }

    /** Starts a call; {@code onUpdate} runs under the UI's lock. */
    public void start(UI ui, BooleanSupplier shown, Viewer viewer, String namespace, String name, String task,
                      WidgetInput.Body body, Consumer<Update> onUpdate) {
        executor.submit(() -> run(ui, shown, viewer, namespace, name, task, body, onUpdate));
    }

    /** {@code shown}: whether the widget is still on a page (tries stop when it is not). */
    private void run(UI ui, BooleanSupplier shown, Viewer viewer, String namespace, String name, String task,
                     WidgetInput.Body body, Consumer<Update> onUpdate) {
        long started = System.nanoTime();
        // the services' request-scoped beans (the persistence context among them) need a request context
        ManagedContext requestContext = Arc.container().requestContext();
        requestContext.activate();
        try {
            for (int tries = 1; ; tries++) {
                InferenceCalls.Answer answer;
                try {
                    answer = calls.call(viewer, namespace, name, null, task, body.contentType(), body.bytes(),
                            waitSeconds * 1000L);
                } catch (ApiException refused) {
                    push(ui, onUpdate, new Update(null, refused.getMessage(), true, tries, elapsed(started)));
                    return;
                }
                boolean again = answer.transientStall() && tries < MAX_TRIES && shown.getAsBoolean();
                push(ui, onUpdate, new Update(answer, null, !again, tries, elapsed(started)));
                if (!again) {
                    return;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (RuntimeException e) {
            LOG.error("Inference widget call failed", e);
            push(ui, onUpdate, new Update(null, "Something went wrong: " + e.getClass().getSimpleName(), true, 0,
                    elapsed(started)));
        } finally {
            requestContext.terminate();
        }
    }

    private static void push(UI ui, Consumer<Update> onUpdate, Update update) {
        if (ui.isAttached()) {
            ui.access(() -> onUpdate.accept(update));
        }
    }

    private static long elapsed(long started) {
        return (System.nanoTime() - started) / 1_000_000;
    }

    void stop(@Observes ShutdownEvent event) {
        executor.shutdownNow();
    }
}
