package io.modelhub.commits;

import io.modelhub.repos.Repo;

import java.util.List;

/**
 * Fired (synchronously, inside the commit's transaction) when the default branch gets a new head, with that head's
 * files: features that derive data from a repository's current files (the catalog's index) recompute it here.
 */
public record DefaultBranchMoved(Repo repo, List<RepoFile> files) {
}
