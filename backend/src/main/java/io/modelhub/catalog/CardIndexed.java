package io.modelhub.catalog;

import io.modelhub.repos.Repo;

/**
 * Fired while a model repository's default branch is indexed, inside the commit's transaction: the card's
 * {@code model-index} front matter (null when the card has none, or the repo no card), for features that keep
 * their own view of it (self-reported leaderboard results).
 */
public record CardIndexed(Repo repo, Object modelIndex) {
}
