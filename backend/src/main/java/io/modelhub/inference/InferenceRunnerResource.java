package io.modelhub.inference;

import io.modelhub.commits.RepoFile;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.contract.RunnerProtocol;
import io.modelhub.downloads.DownloadService;
import io.modelhub.platform.ApiException;
import io.modelhub.runners.CurrentRunner;
import io.modelhub.runners.RunnerCalls;
import io.modelhub.runners.RunnerService;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.List;

/**
 * The runner side of inference ({@link InferenceProtocol}): long-poll for requests, fetch the model's files while
 * holding a request for it, answer. Runner credential only, for its own runner ({@link RunnerCalls}).
 */
@RunnerCalls
@Path(RunnerProtocol.ROOT)
@Produces(MediaType.APPLICATION_JSON)
public class InferenceRunnerResource {
    @Inject
    CurrentRunner runner;
    @Inject
    RunnerService runners;
    @Inject
    InferenceRouter router;
    @Inject
    InferenceRelay relay;
    @Inject
    InferenceService service;
    @Inject
    DownloadService downloads;

    @POST
    @Path(InferenceProtocol.NEXT)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Long-poll for inference requests; 204 when none came within 'wait' seconds (runner credential)")
    public Response next(@PathParam("runner") long id, @QueryParam(RunnerProtocol.WAIT) @DefaultValue("20") int wait,
                         InferenceProtocol.Poll poll) throws InterruptedException {
        // touch checks the credential is still valid (a long poll outlives a revocation) and keeps the runner active
        runners.touch(runner.get(), id, null);
        int seconds = Math.max(0, Math.min(wait, InferenceProtocol.POLL_SECONDS));
        InferenceProtocol.Poll asked = poll == null ? new InferenceProtocol.Poll(List.of(), 0, List.of(), 1) : poll;
        // a runner new here may bring the first serving runner to this instance: it then takes relayed requests
        relay.runnerPolls(!router.live(id));
        List<InferenceProtocol.Work> work = router.poll(id, runner.get().credentialName(), asked, seconds * 1000L);
        return work.isEmpty() ? Response.noContent().build() : Response.ok(work).build();
    }

    @GET
    @Path(InferenceProtocol.FILE)
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "A file of the model of a held inference request, at its pinned commit, with Range (holder)")
    public Response file(@PathParam("runner") long id, @PathParam("request") String request, @PathParam("path") String path,
                         @HeaderParam("Range") String rangeHeader) {
        runners.authorize(runner.get(), id);
        InferenceProtocol.Work work = router.held(id, request);
        if (work == null) {
            throw ApiException.notFound("Runner " + id + " holds no inference request " + request);
        }
        RepoFile file = service.file(work, path);
        return downloads.fileForRunner(file, rangeHeader);
    }

    @POST
    @Path(InferenceProtocol.RESULT)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "The answer to a held inference request; 409 when it is no longer held (runner credential)")
    public Response result(@PathParam("runner") long id, @PathParam("request") String request,
                           InferenceProtocol.Result result) {
        runners.authorize(runner.get(), id);
        if (result == null || result.status() < 200 || result.status() > 599) {
            throw ApiException.badRequest("A result needs a status (200 with output, or 4xx/5xx with error)");
        }
        if (!router.complete(id, request, result)) {
            throw ApiException.conflict("Inference request " + request + " is no longer held by runner " + id
                    + " (its caller gave up, or it went to another runner)");
        }
        return Response.noContent().build();
    }
}
