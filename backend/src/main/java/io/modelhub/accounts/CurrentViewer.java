package io.modelhub.accounts;

import io.modelhub.platform.RequestCaller;
import jakarta.enterprise.context.RequestScoped;

/** The viewer of the current API request, set by {@link BearerTokenFilter}. */
@RequestScoped
public class CurrentViewer implements RequestCaller {
    private Viewer viewer = Viewer.ANONYMOUS;

    public Viewer get() {
        return viewer;
    }

    @Override
    public boolean anonymous() {
        return viewer.anonymous();
    }

    void set(Viewer viewer) {
        this.viewer = viewer;
    }
}
