package io.modelhub.jobs;

import io.modelhub.commits.RepoFile;
import io.modelhub.contract.RunnerProtocol;
import io.modelhub.downloads.DownloadService;
import io.modelhub.platform.BodyLimit;
import io.modelhub.runners.CurrentRunner;
import io.modelhub.runners.RunnerCalls;
import io.modelhub.runners.RunnerService;
import jakarta.inject.Inject;
import jakarta.ws.rs.BeanParam;
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

/**
 * The runner protocol ({@link RunnerProtocol}): register, long-poll to claim, heartbeat, fetch the held job's
 * inputs, report metrics/logs/checkpoints/outputs, finish. It lives with the queue it serves: runners know nothing
 * of jobs. Who may call: only a runner credential, only for its own
 * runner, and for a job only while that runner holds the named attempt ({@link RunnerCalls}).
 */
@RunnerCalls
@Path(RunnerProtocol.ROOT)
@Produces(MediaType.APPLICATION_JSON)
public class RunnerProtocolResource {
    /** The path parameters of every call about a held job ({@link RunnerProtocol#LEASE}). */
    public static class LeaseParams {
        @PathParam("runner")
        long runner;
        @PathParam("job")
        long job;
        @PathParam("attempt")
        int attempt;

        RunnerLease lease() {
            return new RunnerLease(runner, job, attempt);
        }
    }

    @Inject
    RunnerService runners;
    @Inject
    JobQueue queue;
    @Inject
    CurrentRunner runner;
    @Inject
    DownloadService downloads;

    @POST
    @Path(RunnerProtocol.REGISTER)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Register the credential's runner with its capabilities and recipes (runner credential)")
    public RunnerProtocol.Registered register(RunnerProtocol.Registration registration) {
        return runners.register(runner.get(), registration);
    }

    @POST
    @Path(RunnerProtocol.OFFLINE)
    @Operation(summary = "The runner stops cleanly (runner credential)")
    public Response offline(@PathParam("runner") long id) {
        runners.goOffline(runner.get(), id);
        return Response.noContent().build();
    }

    @POST
    @Path(RunnerProtocol.CLAIM)
    @Operation(summary = "Long-poll for a job this runner can run; 204 when none came within 'wait' seconds (runner credential)")
    public Response claim(@PathParam("runner") long id, @QueryParam(RunnerProtocol.WAIT) @DefaultValue("30") int wait)
            throws InterruptedException {
        return queue.claim(runner.get(), id, wait).map(c -> Response.ok(c).build()).orElseGet(() -> Response.noContent().build());
    }

    @POST
    @Path(RunnerProtocol.HEARTBEAT)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Keep the runner (and its job's lease) alive; answers cancel/lost/drain (runner credential)")
    public RunnerProtocol.HeartbeatAnswer heartbeat(@PathParam("runner") long id, RunnerProtocol.Heartbeat beat) {
        return queue.heartbeat(runner.get(), id, beat);
    }

    @GET
    @Path(RunnerProtocol.INPUTS)
    @Operation(summary = "The held job's pinned inputs and their files (lease holder)")
    public List<RunnerProtocol.InputListing> inputs(@BeanParam LeaseParams lease) {
        return queue.inputs(runner.get(), lease.lease());
    }

    @GET
    @Path(RunnerProtocol.INPUT_FILE)
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "One file of one of the held job's inputs, with Range (lease holder)")
    public Response inputFile(@BeanParam LeaseParams lease,
                              @PathParam("role") String role, @PathParam("path") String path, @HeaderParam("Range") String rangeHeader) {
        RepoFile file = queue.inputFile(runner.get(), lease.lease(), role, path);
        return downloads.fileForRunner(file, rangeHeader);
    }

    @POST
    @Path(RunnerProtocol.INPUT_ARCHIVE)
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces({RunnerProtocol.ARCHIVE_TYPE, MediaType.APPLICATION_JSON})
    @Operation(summary = "The named files of one of the held job's inputs as one tar stream (lease holder)")
    public Response inputArchive(@BeanParam LeaseParams lease, @PathParam("role") String role,
                                 RunnerProtocol.ArchiveRequest request) {
        List<RepoFile> files = queue.inputFiles(runner.get(), lease.lease(), role, request == null ? null : request.paths());
        return downloads.archiveForRunner(files);
    }

    @POST
    @Path(RunnerProtocol.METRICS)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "A batch of metric points (lease holder)")
    public Response metrics(@BeanParam LeaseParams lease,
                            List<RunnerProtocol.MetricPoint> points) {
        queue.metrics(runner.get(), lease.lease(), points);
        return Response.noContent().build();
    }

    @POST
    @Path(RunnerProtocol.LOGS)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "A batch of log lines (lease holder)")
    public Response logs(@BeanParam LeaseParams lease,
                         RunnerProtocol.LogLines lines) {
        queue.logs(runner.get(), lease.lease(), lines);
        return Response.noContent().build();
    }

    @PUT
    @Path(RunnerProtocol.CHECKPOINT)
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @BodyLimit(BodyLimit.Kind.FILE)
    @Operation(summary = "Store a checkpoint of the held job (lease holder)")
    public Response checkpoint(@BeanParam LeaseParams lease,
                               @PathParam("epoch") int epoch, @QueryParam(RunnerProtocol.STEP) long step,
                               @HeaderParam("Content-Length") @DefaultValue("-1") long size, InputStream body) {
        queue.checkpoint(runner.get(), lease.lease(), epoch, step, body, size);
        return Response.noContent().build();
    }

    @GET
    @Path(RunnerProtocol.CHECKPOINT)
    @Produces(MediaType.APPLICATION_OCTET_STREAM)
    @Operation(summary = "A checkpoint of the held job, to resume from (lease holder)")
    public Response checkpointBytes(@BeanParam LeaseParams lease,
                                    @PathParam("epoch") int epoch) throws java.io.IOException {
        InputStream in = queue.openCheckpoint(runner.get(), lease.lease(), epoch);
        return Response.ok((StreamingOutput) out -> {
            try (in) {
                in.transferTo(out);
            }
        }).build();
    }

    @PUT
    @Path(RunnerProtocol.OUTPUT)
    @Consumes(MediaType.APPLICATION_OCTET_STREAM)
    @BodyLimit(BodyLimit.Kind.FILE)
    @Operation(summary = "One file of the model the held attempt produced; committed only on completion (lease holder)")
    public Response output(@BeanParam LeaseParams lease,
                           @PathParam("path") String path, @HeaderParam("Content-Length") @DefaultValue("-1") long size,
                           InputStream body) {
        queue.output(runner.get(), lease.lease(), path, body, size);
        return Response.noContent().build();
    }

    @POST
    @Path(RunnerProtocol.COMPLETE)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Success: commit the outputs, record the metrics (lease holder)")
    public Response complete(@BeanParam LeaseParams lease,
                             RunnerProtocol.Completion completion) {
        queue.complete(runner.get(), lease.lease(), completion);
        return Response.noContent().build();
    }

    @POST
    @Path(RunnerProtocol.FAIL)
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "The attempt failed, or a cancel is confirmed (lease holder)")
    public Response fail(@BeanParam LeaseParams lease,
                         RunnerProtocol.Failure failure) {
        queue.fail(runner.get(), lease.lease(), failure);
        return Response.noContent().build();
    }

    @POST
    @Path(RunnerProtocol.RELEASE)
    @Operation(summary = "Give the job back (the runner is stopping); the attempt does not count (lease holder)")
    public Response release(@BeanParam LeaseParams lease) {
        queue.release(runner.get(), lease.lease());
        return Response.noContent().build();
    }
}
