package io.modelhub.repos;

import io.modelhub.accounts.Viewer;
import jakarta.enterprise.context.RequestScoped;
import jakarta.inject.Inject;

/**
 * The repository {@link RepoAccessFilter} found visible for this HTTP request, so that the resource method does not
 * read it and check it a second time (on the inference path that second read was a few ms of every call). Only within
 * one request: a repository made private, or a revoked token, takes effect at the next request.
 */
@RequestScoped
public class CheckedRepo {
    @Inject
    RepoService repos;

    private Viewer viewer;
    private RepoName name;
    private Repo repo;

    /** {@link RepoService#visible}, answered from this request's earlier check of the same repository and viewer. */
    public Repo visible(Viewer viewer, RepoName name) {
        if (repo == null || !name.equals(this.name) || !viewer.equals(this.viewer)) {
            Repo found = repos.visible(viewer, name);
            this.viewer = viewer;
            this.name = name;
            this.repo = found;
        }
        return repo;
    }
}
