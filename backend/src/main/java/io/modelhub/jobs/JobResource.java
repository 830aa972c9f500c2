package io.modelhub.jobs;

import io.modelhub.accounts.CurrentViewer;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.List;

/** Jobs for users: submit, list, inspect, cancel, retry; metrics and logs as they arrive. */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class JobResource {
    @Inject
    JobService jobs;
    @Inject
    CurrentViewer viewer;

    @POST
    @Path("jobs")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Submit a job (validated against the recipe's parameter schema and its inputs)")
    public Response submit(JobSpec spec) {
        return Response.status(201).entity(jobs.submit(viewer.get(), spec)).build();
    }

    @GET
    @Path("jobs")
    @Operation(summary = "List jobs (yours; all for admins), newest first")
    public List<JobService.JobView> list(@QueryParam("state") String state, @QueryParam("recipe") String recipe,
                                         @QueryParam("owner") String owner, @QueryParam("limit") @DefaultValue("100") int limit) {
        return jobs.list(viewer.get(), state, recipe, owner, limit);
    }

    @GET
    @Path("jobs/{id}")
    @Operation(summary = "A job, with the reason it is pending when queued")
    public JobService.JobView get(@PathParam("id") long id) {
        return jobs.get(viewer.get(), id);
    }

    @POST
    @Path("jobs/{id}/cancel")
    @Operation(summary = "Cancel: a queued job at once, a running one at its runner's next heartbeat")
    public JobService.JobView cancel(@PathParam("id") long id) {
        return jobs.cancel(viewer.get(), id);
    }

    @POST
    @Path("jobs/{id}/retry")
    @Operation(summary = "Queue a failed or cancelled job again (it resumes from its latest checkpoint)")
    public JobService.JobView retry(@PathParam("id") long id) {
        return jobs.retry(viewer.get(), id);
    }

    @GET
    @Path("jobs/{id}/metrics")
    @Operation(summary = "Metric points, optionally one series, after a step")
    public List<JobService.MetricPoint> metrics(@PathParam("id") long id, @QueryParam("name") String name,
                                                @QueryParam("after") @DefaultValue("-1") long after) {
        return jobs.metrics(viewer.get(), id, name, after);
    }

    @GET
    @Path("jobs/{id}/logs")
    @Operation(summary = "Log lines after a given line id")
    public List<JobService.LogLine> logs(@PathParam("id") long id, @QueryParam("after") @DefaultValue("0") long after) {
        return jobs.logs(viewer.get(), id, after);
    }
}
