package io.modelhub.runners;

import io.modelhub.accounts.CurrentViewer;
import io.modelhub.jobs.JobQueue;
import io.modelhub.jobs.JobService;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.StreamingOutput;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.io.InputStream;
import java.util.List;
import java.util.Map;

/**
 * The runner protocol: register, long-poll to claim, heartbeat, report metrics/logs/checkpoints/outputs, finish.
 * Runners pull; the hub never needs a runner's address.
 */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class RunnerResource {
    @Inject
    RunnerService runners;
    @Inject
    JobQueue queue;
    @Inject
    CurrentViewer viewer;

    @POST
    @Path("runners")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Register a runner with its capabilities and recipes")
    public Map<String, Object> register(RunnerService.Registration registration) {
        return Map.of("id", runners.register(viewer.get(), registration));
    }

    @GET
    @Path("runners")
    @Operation(summary = "Runners, their capabilities, state and current job")
    public List<RunnerService.RunnerView> list() {
        return runners.list();
    }

    @GET
    @Path("recipes")
    @Operation(summary = "Recipes the registered runners offer, with their parameter schemas")
    public List<RecipeInfo> recipes() {
        return runners.recipes();
    }

    @POST
    @Path("runners/{id}/drain")
    @Operation(summary = "Drain a runner: it finishes its job and takes no new one (admin)")
    public Response drain(@PathParam("id") long id) {
        runners.drain(viewer.get(), id);
        return Response.noContent().build();
    }

    @POST
    @Path("runners/{id}/offline")
    public Response offline(@PathParam("id") long id) {
        runners.goOffline(viewer.get(), id);
        return Response.noContent().build();
    }

    @POST
    @Path("runners/{id}/claim")
    @Operation(summary = "Long-poll for a job this runner can run (204 when none came within 'wait' seconds)")
    public Response claim(@PathParam("id") long id, @QueryParam("wait") @DefaultValue("30") int wait) throws InterruptedException {
        return queue.claim(viewer.get(), id, wait).map(c -> Response.ok(c).build()).orElseGet(() -> Response.noContent().build());
    }

    public record Heartbeat(Long jobId, Map<String, Object> utilisation) {
    }

    @POST
    @Path("runners/{id}/heartbeat")
    @Consumes(MediaType.APPLICATION_JSON)
    public JobQueue.HeartbeatAnswer heartbeat(@PathParam("id") long id, Heartbeat beat) {
        return queue.heartbeat(viewer.get(), id, beat == null ? null : beat.jobId(), beat == null ? null : beat.utilisation());
    }

    @POST
    @Path("runners/{id}/jobs/{job}/metrics")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response metrics(@PathParam("id") long id, @PathParam("job") long job, List<JobService.MetricPoint> points) {
        queue.metrics(viewer.get(), id, job, points);
        return Response.noContent().build();
    }

    @POST
    @Path("runners/{id}/jobs/{job}/logs")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response logs(@PathParam("id") long id, @PathParam("job") long job, List<String> lines) {
        queue.logs(viewer.get(), id, job, lines);
        return Response.noContent().build();
    }

    @PUT
    @Path("runners/{id}/jobs/{job}/checkpoints/{epoch}")
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    public Response checkpoint(@PathParam("id") long id, @PathParam("job") long job, @PathParam("epoch") int epoch,
                               @QueryParam("step") long step, @HeaderParam("Content-Length") @DefaultValue("-1") long size,
                               InputStream body) {
        queue.checkpoint(viewer.get(), id, job, epoch, step, body, size);
        return Response.noContent().build();
    }

    @GET
    @Path("runners/{id}/jobs/{job}/checkpoints/{sha256}")
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    public Response checkpointBytes(@PathParam("id") long id, @PathParam("job") long job, @PathParam("sha256") String sha256)
            throws java.io.IOException {
        InputStream in = queue.openCheckpoint(viewer.get(), id, job, sha256);
        return Response.ok((StreamingOutput) out -> {
            try (in) {
                in.transferTo(out);
            }
        }).build();
    }

    @PUT
    @Path("runners/{id}/jobs/{job}/outputs/{path: .+}")
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    public Response output(@PathParam("id") long id, @PathParam("job") long job, @PathParam("path") String path,
                           @HeaderParam("Content-Length") @DefaultValue("-1") long size, InputStream body) {
        queue.output(viewer.get(), id, job, path, body, size);
        return Response.noContent().build();
    }

    @POST
    @Path("runners/{id}/jobs/{job}/complete")
    @Consumes(MediaType.APPLICATION_JSON)
    public JobService.JobView complete(@PathParam("id") long id, @PathParam("job") long job, Map<String, Object> result) {
        return queue.complete(viewer.get(), id, job, result == null ? Map.of() : result);
    }

    public record Failure(String error, boolean cancelled) {
    }

    @POST
    @Path("runners/{id}/jobs/{job}/fail")
    @Consumes(MediaType.APPLICATION_JSON)
    public Response fail(@PathParam("id") long id, @PathParam("job") long job, Failure failure) {
        queue.fail(viewer.get(), id, job, failure == null ? null : failure.error(), failure != null && failure.cancelled());
        return Response.noContent().build();
    }

    @POST
    @Path("runners/{id}/jobs/{job}/release")
    public Response release(@PathParam("id") long id, @PathParam("job") long job) {
        queue.release(viewer.get(), id, job);
        return Response.noContent().build();
    }
}
