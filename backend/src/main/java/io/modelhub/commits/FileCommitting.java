package io.modelhub.commits;

/**
 * Fired (synchronously) for each file a commit puts, before anything is written: an observer that finds the file
 * broken refuses the whole commit by throwing (the catalog checks model headers this way).
 */
public record FileCommitting(String path, RepoFile file) {
}
