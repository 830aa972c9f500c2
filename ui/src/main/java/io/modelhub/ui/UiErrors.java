package io.modelhub.ui;

import io.modelhub.platform.ApiException;
import com.vaadin.flow.component.UI;
import com.vaadin.flow.component.notification.Notification;
import com.vaadin.flow.component.notification.NotificationVariant;
import com.vaadin.flow.server.ServiceInitEvent;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * Refusals from the services (bad names, conflicts, broken files) reach the user as a visible message,
 * the same text the API sends as {"error": ...}.
 */
@jakarta.enterprise.context.ApplicationScoped
public class UiErrors {
    private static final Logger LOG = Logger.getLogger(UiErrors.class);

    void onServiceInit(@Observes ServiceInitEvent event) {
        event.getSource().addSessionInitListener(init -> init.getSession().setErrorHandler(error -> {
            Throwable cause = error.getThrowable();
            while (cause.getCause() != null && !(cause instanceof ApiException)) {
                cause = cause.getCause();
            }
            String message;
            if (cause instanceof java.io.IOException) {
                // A browser that left in the middle of a download or thumbnail: nobody is there to tell.
                LOG.debug("Client went away", cause);
                return;
            }
            if (cause instanceof ApiException api) {
                message = api.getMessage();
            } else {
                LOG.error("Unexpected UI error", error.getThrowable());
                message = "Something went wrong: " + cause.getClass().getSimpleName();
            }
            UI ui = UI.getCurrent();
            if (ui != null) {
                ui.access(() -> show(message));
            }
        }));
    }

    public static void show(String message) {
        Notification n = Notification.show(message, 6000, Notification.Position.TOP_CENTER);
        n.addThemeVariants(NotificationVariant.LUMO_ERROR);
        n.addClassName("error-notification");
    }

    public static void success(String message) {
        Notification n = Notification.show(message, 3000, Notification.Position.BOTTOM_START);
        n.addThemeVariants(NotificationVariant.LUMO_SUCCESS);
    }
}
