package io.modelhub.runners;

/**
 * A runner's earlier process can no longer report on the job it held: it registered again (restarted) or its
 * credential was revoked. The queue gives that job back, in the same transaction.
 */
public record RunnerRetired(long runnerId, String reason) {
}
