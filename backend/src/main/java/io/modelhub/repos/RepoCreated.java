package io.modelhub.repos;

import io.modelhub.accounts.Viewer;

/**
 * Fired (synchronously, inside the transaction that creates the repository) once its row exists, so that the
 * commits feature writes the initial commit without the repositories knowing commits.
 */
public record RepoCreated(Repo repo, Viewer creator) {
}
