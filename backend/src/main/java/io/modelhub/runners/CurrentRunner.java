package io.modelhub.runners;

import io.modelhub.platform.ApiException;
import jakarta.enterprise.context.RequestScoped;

/** The runner of the current request, set by {@link RunnerCredentialFilter} on {@link RunnerCalls} resources. */
@RequestScoped
public class CurrentRunner {
    private RunnerIdentity identity;

    /** The caller's identity; the filter has already refused every runner call without one. */
    public RunnerIdentity get() {
        if (identity == null) {
            throw ApiException.unauthorized("A runner call needs a runner credential");
        }
        return identity;
    }

    void set(RunnerIdentity identity) {
        this.identity = identity;
    }
}
