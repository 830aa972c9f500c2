package io.modelhub.inference;

import io.modelhub.accounts.Viewer;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.InferenceProtocol.Result;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.platform.ApiException;
import io.modelhub.repos.Repo;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * One inference call from a request body to its answer: the body parsed as the API parses it, the model checked
 * against the caller's visibility ({@link InferenceService#prepare}), the wait for a serving runner of this instance
 * ({@link InferenceRouter}) or, when only other hub instances have one, of another ({@link InferenceRelay}). The HTTP API
 * ({@link InferenceResource}) and the model page's widget both call this, so the widget refuses, hides and answers
 * exactly as the API does. Not transactional: the wait must not hold a database transaction.
 */
@ApplicationScoped
public class InferenceCalls {
    /** HF's estimated_time for a model that is still loading when the wait ends (seconds). */
    static final int LOADING_RETRY_SECONDS = 10;

    @Inject
    InferenceService service;
    @Inject
    InferenceRouter router;
    @Inject
    InferenceRelay relay;
    @ConfigProperty(name = "modelhub.inference.wait-seconds", defaultValue = "60")
    int waitSeconds;

    /**
     * The answer, or the 503 that says why there is none. Requests that cannot be answered at all (malformed,
     * invisible model, missing revision, unserved task) throw {@link io.modelhub.platform.ApiException} before
     * anything waits.
     *
     * @param task   the task the caller names (the {@code /pipeline/{task}} URL), null for the model's own
     * @param waitMs how long to wait for a runner's answer; the API waits {@link #apiWaitMs()}
     */
    public Answer call(Viewer viewer, String namespace, String name, String revision, String task, String contentType,
                       byte[] body, long waitMs) throws InterruptedException {
        long started = System.nanoTime();
        InferenceInput input = InferenceInput.parse(contentType, body);
        return call(service.prepare(viewer, namespace, name, revision, task, input), waitMs, started);
    }

    /**
     * The same for a model whose visibility to the caller this HTTP request has already checked
     * ({@link io.modelhub.repos.CheckedRepo}): one visibility check per request.
     */
    public Answer call(Repo visible, String revision, String task, String contentType, byte[] body, long waitMs)
            throws InterruptedException {
        long started = System.nanoTime();
        InferenceInput input = InferenceInput.parse(contentType, body);
        return call(service.prepare(visible, revision, task, input), waitMs, started);
    }

    /**
     * The answer to a request {@link InferenceService#prepare prepared} for a caller already allowed to run it, or
     * the 503 that says why there is none.
     */
    public Answer call(Work work, long waitMs) throws InterruptedException {
        return call(work, waitMs, System.nanoTime());
    }

    private Answer call(Work work, long waitMs, long started) throws InterruptedException {
        long prepared = System.nanoTime();
        long prepareMillis = (prepared - started) / 1_000_000;
        InferenceRouter.Outcome outcome;
        if (router.anyServing()) {
            router.refuseIfNoRunnerFits(work);
            outcome = router.await(router.submit(work), waitMs);
        } else if (relay.othersServe()) {
            // the serving runners poll other hub instances: one of those routes it (docs/inference.md, "Across hub instances")
            outcome = relay.relay(work, waitMs);
        } else {
            return unavailable(InferenceRouter.Stall.NO_RUNNER, work, null, waitMs);
        }
        if (outcome.stall() != null) {
            return unavailable(outcome.stall(), work, outcome.runnerName(), waitMs);
        }
        Result result = outcome.result();
        long millis = (System.nanoTime() - prepared) / 1_000_000;
        return new Answer(result.status(), result.status() == 200 ? result.output() : null,
                result.status() == 200 ? null : result.error(), null, null, null, work.revision(), millis, prepareMillis);
    }

    public long apiWaitMs() {
        return waitSeconds * 1000L;
    }

    private Answer unavailable(InferenceRouter.Stall stall, Work work, String runnerName, long waitMs) {
        return switch (stall) {
            case NO_RUNNER -> new Answer(503, null, "No serving runner online for " + work.repo()
                    + ": start a runner with " + InferenceProtocol.SERVE_ENV + "=1 (the embedded start's local runner "
                    + "serves)", "no_serving_runner", null, 30, work.revision(), 0, 0);
            case LOADING -> new Answer(503, null, "Model " + work.repo() + " is currently loading on runner "
                    + runnerName, "loading", runnerName, LOADING_RETRY_SECONDS, work.revision(), 0, 0);
            case BUSY -> new Answer(503, null, "All serving runners are busy; " + work.repo() + " waited "
                    + Math.max(1, waitMs / 1000) + " s", "busy", null, 5, work.revision(), 0, 0);
        };
    }

    /**
     * What a call came to.
     *
     * @param status        200, the runner's error status, or 503 when no runner answered in time
     * @param output        the pipeline's answer (status 200 only)
     * @param error         what went wrong (otherwise)
     * @param reason        for a 503 without an answer: no_serving_runner, loading or busy (HF's loading answer)
     * @param runnerName    the runner that holds the request, when loading
     * @param retryAfter    seconds after which to try again (with a reason)
     * @param commit        the commit the model ran at
     * @param computeMillis how long the hub waited for the answer (routing, loading, computing)
     * @param prepareMillis the hub's work before that: parsing the body, resolving the revision, the model's files
     */
    public record Answer(int status, Object output, String error, String reason, String runnerName, Integer retryAfter,
                         String commit, long computeMillis, long prepareMillis) {
        public boolean ok() {
            return status == 200;
        }

        /** The 503 of a call no runner answered, as the API sends it: Retry-After and the reason (HF's loading answer). */
        public ApiException unavailable() {
            ApiException e = new ApiException(status, null, error);
            if ("loading".equals(reason)) {
                e.withField("estimated_time", (double) retryAfter);
            }
            return e.withField("reason", reason).withHeader("Retry-After", Integer.toString(retryAfter));
        }

        /** Worth asking again soon: the model is loading or the runners are busy (not: no runner at all). */
        public boolean transientStall() {
            return "loading".equals(reason) || "busy".equals(reason);
        }
    }
}
