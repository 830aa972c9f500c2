package io.modelhub.jobs;

import io.modelhub.contract.InvalidParameterException;
import io.modelhub.contract.JobParameters;
import io.modelhub.contract.ParamSpec;
import io.modelhub.contract.RecipeDescriptor;
import io.modelhub.platform.ApiException;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Job parameters and resources as the API and the launch form check them: the parameters with the contract's one
 * validation ({@link JobParameters}, the same the runner applies), refusals as 400s.
 */
public final class JobParams {
    private JobParams() {
    }

    static Map<String, Object> validate(RecipeDescriptor recipe, Map<String, Object> given) {
        try {
            return JobParameters.validate(recipe.id(), recipe.parameters(), given);
        } catch (InvalidParameterException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }

    /**
     * The resource rules, as a message per field ("gpus", "gpuMemoryMb", "maxAttempts"); empty when all fit. The
     * launch form shows these on its fields, the API refuses with the first.
     */
    public static Map<String, String> resourceProblems(int gpus, long gpuMemoryMb, int maxAttempts) {
        Map<String, String> problems = new LinkedHashMap<>();
        if (gpus < 0 || gpus > 64) {
            problems.put("gpus", "GPUs must be between 0 and 64, got " + gpus);
        }
        if (gpuMemoryMb < 0) {
            problems.put("gpuMemoryMb", "GPU memory must be 0 or more MB, got " + gpuMemoryMb);
        }
        if (maxAttempts < 1 || maxAttempts > 20) {
            problems.put("maxAttempts", "Attempts must be between 1 and 20, got " + maxAttempts);
        }
        return problems;
    }

    /** One parameter checked as {@link #validate} checks it: the normalised value, or an ApiException saying why not. */
    public static Object check(ParamSpec p, Object value) {
        try {
            return p.check(value);
        } catch (InvalidParameterException e) {
            throw ApiException.badRequest(e.getMessage());
        }
    }
}
