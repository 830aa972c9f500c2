package io.modelhub.inference;

import io.modelhub.accounts.CurrentViewer;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.ApiExceptionMapper;
import io.modelhub.repos.CheckedRepo;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoAccessFilter;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoType;
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
import org.eclipse.microprofile.openapi.annotations.Operation;


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
    InferenceCalls calls;
    @Inject
    CheckedRepo checked;

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
        Repo repo = checked.visible(viewer.get(), new RepoName(RepoType.MODEL, ns, name));
        InferenceCalls.Answer answer = calls.call(repo, revision, task, contentType, body, calls.apiWaitMs());
        if (answer.ok()) {
            // Server-Timing splits the hub's part of a call for whoever measures it (docs/benchmarks.md)
            return Response.ok(answer.output(), MediaType.APPLICATION_JSON_TYPE).header("X-Repo-Commit", answer.commit())
                    .header("X-Compute-Time-Ms", answer.computeMillis())
                    .header("Server-Timing", "prepare;dur=" + answer.prepareMillis() + ", runner;dur=" + answer.computeMillis())
                    .build();
        }
        if (answer.reason() != null) {
            throw answer.unavailable();
        }
        return Response.fromResponse(ApiExceptionMapper.error(answer.status(), null, answer.error()))
                .header("X-Compute-Time-Ms", answer.computeMillis()).build();
    }
}
