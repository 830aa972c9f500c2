package io.modelhub.jobs;

import java.util.List;
import java.util.Map;

/**
 * What a user asks for: a recipe, its inputs (repo ids, optional revisions), parameters, the repo to commit the
 * result to, and the resources it needs. Everything but recipe and dataset is optional. evaluateOn names
 * benchmarks (ids) the produced model is evaluated on once the job succeeds. recipeVersion pins a published
 * version of the recipe (default: the newest one a live runner publishes). privateOutput asks for a private output
 * repository; it is private anyway when any input is private.
 */
public record JobSpec(String recipe, String baseModel, String baseRevision, String dataset, String datasetRevision,
                      Map<String, Object> params, String outputRepo, Integer gpus, Long gpuMemoryMb, List<String> labels,
                      Integer priority, Integer maxAttempts, List<Long> evaluateOn, String recipeVersion,
                      Boolean privateOutput) {

    public JobSpec(String recipe, String baseModel, String baseRevision, String dataset, String datasetRevision,
                   Map<String, Object> params, String outputRepo, Integer gpus, Long gpuMemoryMb, List<String> labels,
                   Integer priority, Integer maxAttempts, List<Long> evaluateOn, String recipeVersion) {
        this(recipe, baseModel, baseRevision, dataset, datasetRevision, params, outputRepo, gpus, gpuMemoryMb, labels,
                priority, maxAttempts, evaluateOn, recipeVersion, null);
    }

    public JobSpec(String recipe, String baseModel, String baseRevision, String dataset, String datasetRevision,
                   Map<String, Object> params, String outputRepo, Integer gpus, Long gpuMemoryMb, List<String> labels,
                   Integer priority, Integer maxAttempts, List<Long> evaluateOn) {
        this(recipe, baseModel, baseRevision, dataset, datasetRevision, params, outputRepo, gpus, gpuMemoryMb, labels,
                priority, maxAttempts, evaluateOn, null);
    }

    public JobSpec(String recipe, String baseModel, String baseRevision, String dataset, String datasetRevision,
                   Map<String, Object> params, String outputRepo, Integer gpus, Long gpuMemoryMb, List<String> labels,
                   Integer priority, Integer maxAttempts) {
        this(recipe, baseModel, baseRevision, dataset, datasetRevision, params, outputRepo, gpus, gpuMemoryMb, labels,
                priority, maxAttempts, null, null);
    }
}
