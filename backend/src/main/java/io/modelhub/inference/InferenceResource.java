package io.modelhub.inference;

import io.modelhub.accounts.CurrentViewer;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.InferenceProtocol.Result;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.ApiExceptionMapper;
import io.modelhub.repos.RepoAccessFilter;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The Hugging Face inference API on this hub: {@code POST /models/{namespace}/{name}} (and
 * {@code /models/{namespace}/{name}/pipeline/{task}}, where huggingface_hub sends feature-extraction) with
 * {@code {"inputs": ..., "parameters": {...}}} or an image's bytes, answered like the transformers pipelines. The
 * hub runs nothing itself: the request waits for a serving runner ({@link InferenceRouter}). See docs/inference.md.
 */
@Path("/models")
public class InferenceResource {
    @Inject
    CurrentViewer viewer;
    @Inject
    InferenceService service;
    @Inject
    InferenceRouter router;
    @ConfigProperty(name = "modelhub.inference.wait-seconds", defaultValue = "60")
    int waitSeconds;

    @POST
    @Path("{ns}/{name}")
    @RepoAccessFilter.ReadsOnly
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Run a model (Hugging Face inference API): JSON {inputs, parameters} or raw image bytes")
    public Response infer(@PathParam("ns") String ns, @PathParam("name") String name, @QueryParam("revision") String revision,
                          @HeaderParam("Content-Type") String contentType, byte[] body) throws InterruptedException {
        return run(ns, name, revision, null, contentType, body);
    }

    @POST
    @Path("{ns}/{name}/pipeline/{task}")
    @RepoAccessFilter.ReadsOnly
    @Consumes(MediaType.WILDCARD)
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Run a model for a named task (huggingface_hub's feature-extraction URL)")
    public Response inferTask(@PathParam("ns") String ns, @PathParam("name") String name, @PathParam("task") String task,
                              @QueryParam("revision") String revision, @HeaderParam("Content-Type") String contentType,
                              byte[] body) throws InterruptedException {
        if (!InferenceProtocol.TASKS.contains(task)) {
            throw ApiException.badRequest("Task \"" + task + "\" is not served; this hub serves "
                    + String.join(", ", InferenceProtocol.TASKS));
        }
        return run(ns, name, revision, task, contentType, body);
    }

    private Response run(String ns, String name, String revision, String task, String contentType, byte[] body)
            throws InterruptedException {
        InferenceInput input = InferenceInput.parse(contentType, body);
        Work work = service.prepare(viewer.get(), ns, name, revision, task, input);
        if (!router.anyServing()) {
            return unavailable(InferenceRouter.Stall.NO_RUNNER, work, null);
        }
        long started = System.nanoTime();
        InferenceRouter.Outcome outcome = router.await(router.submit(work), waitSeconds * 1000L);
        if (outcome.stall() != null) {
            return unavailable(outcome.stall(), work, outcome.runnerName());
        }
        Result result = outcome.result();
        String millis = Long.toString((System.nanoTime() - started) / 1_000_000);
        if (result.status() != 200) {
            return Response.fromResponse(ApiExceptionMapper.error(result.status(), null, result.error()))
                    .header("X-Compute-Time-Ms", millis).build();
        }
        return Response.ok(result.output(), MediaType.APPLICATION_JSON_TYPE).header("X-Repo-Commit", work.revision())
                .header("X-Compute-Time-Ms", millis).build();
    }

    /** 503 with Retry-After and the reason; "loading" carries HF's estimated_time, which its clients read. */
    private Response unavailable(InferenceRouter.Stall stall, Work work, String runnerName) {
        Map<String, Object> body = new LinkedHashMap<>();
        int retryAfter;
        switch (stall) {
            case NO_RUNNER -> {
                retryAfter = 30;
                body.put("error", "No serving runner online for " + work.repo() + ": start a runner with "
                        + InferenceProtocol.SERVE_ENV + "=1 (the embedded start's local runner serves)");
            }
            case LOADING -> {
                retryAfter = 10;
                body.put("error", "Model " + work.repo() + " is currently loading on runner " + runnerName);
                body.put("estimated_time", (double) retryAfter);
            }
            default -> {
                retryAfter = 5;
                body.put("error", "All serving runners are busy; " + work.repo() + " waited " + waitSeconds + " s");
            }
        }
        body.put("reason", switch (stall) {
            case NO_RUNNER -> "no_serving_runner";
            case LOADING -> "loading";
            case BUSY -> "busy";
        });
        return Response.status(503).type(MediaType.APPLICATION_JSON_TYPE).entity(body)
                .header("Retry-After", retryAfter).header("X-Error-Message", body.get("error")).build();
    }
}
