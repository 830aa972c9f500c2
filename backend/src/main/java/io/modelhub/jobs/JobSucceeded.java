package io.modelhub.jobs;

import java.util.Map;

/**
 * Fired (synchronously, inside the transaction that marks the job succeeded) so that features built on jobs,
 * such as evaluations, record their part atomically with the success. outputRepo and outputCommit are null for
 * recipes that produce no model.
 */
public record JobSucceeded(long jobId, long ownerId, String recipe, String recipeVersion, Map<String, Object> params,
                           String outputRepo, String outputCommit, Map<String, Object> result) {
}
