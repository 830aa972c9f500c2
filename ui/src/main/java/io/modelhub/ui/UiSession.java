package io.modelhub.ui;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.Viewer;
import com.vaadin.flow.server.VaadinSession;

/** The signed-in account of this browser session, as the {@link Viewer} the services expect. */
public final class UiSession {
    private UiSession() {
    }

    public static Viewer viewer() {
        VaadinSession session = VaadinSession.getCurrent();
        Viewer viewer = session == null ? null : session.getAttribute(Viewer.class);
        return viewer == null ? Viewer.ANONYMOUS : viewer;
    }

    public static void signIn(Account account) {
        // A new HTTP session id on sign-in, so a session id seen before sign-in is worthless after it.
        com.vaadin.flow.server.VaadinService.reinitializeSession(com.vaadin.flow.server.VaadinService.getCurrentRequest());
        VaadinSession.getCurrent().setAttribute(Viewer.class, Viewer.session(account));
    }

    public static void signOut() {
        VaadinSession.getCurrent().setAttribute(Viewer.class, null);
        VaadinSession.getCurrent().getSession().invalidate();
    }
}
