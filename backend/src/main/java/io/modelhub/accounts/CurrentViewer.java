package io.modelhub.accounts;

import jakarta.enterprise.context.RequestScoped;

/** The viewer of the current API request, set by {@link BearerTokenFilter}. */
@RequestScoped
public class CurrentViewer {
    private Viewer viewer = Viewer.ANONYMOUS;

    public Viewer get() {
        return viewer;
    }

    void set(Viewer viewer) {
        this.viewer = viewer;
    }
}
