package io.modelhub.jobs;

import io.modelhub.accounts.CurrentViewer;
import io.modelhub.platform.ApiException;
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
    @Operation(summary = "List jobs (yours; all for admins), newest first unless sorted; the total matching is in X-Total-Count")
    public Response list(@QueryParam("state") String state, @QueryParam("recipe") String recipe,
                         @QueryParam("owner") String owner, @QueryParam("model") String model,
                         @QueryParam("sort") @DefaultValue("id") String sort, @QueryParam("direction") @DefaultValue("desc") String direction,
                         @QueryParam("offset") @DefaultValue("0") int offset, @QueryParam("limit") @DefaultValue("100") int limit) {
        if (!direction.equals("asc") && !direction.equals("desc")) {
            throw ApiException.badRequest("direction must be asc or desc, got '" + direction + "'");
        }
        JobService.Page page = jobs.page(viewer.get(), new JobService.Query(state, recipe, owner, model, sort,
                direction.equals("desc"), offset, limit));
        return Response.ok(page.items()).header("X-Total-Count", page.total()).build();
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
    @Operation(summary = "Queue a failed or cancelled job again: from=checkpoint (default) resumes from its latest "
            + "checkpoint, from=scratch drops its checkpoints and starts over")
    public JobService.JobView retry(@PathParam("id") long id, @QueryParam("from") @DefaultValue("checkpoint") String from) {
        if (!from.equals("checkpoint") && !from.equals("scratch")) {
            throw ApiException.badRequest("from must be checkpoint or scratch, got '" + from + "'");
        }
        return jobs.retry(viewer.get(), id, from.equals("scratch"));
    }

    @GET
    @Path("jobs/{id}/events")
    @Operation(summary = "The job's state timeline: every state it entered, when, on which attempt and runner")
    public List<JobService.Event> events(@PathParam("id") long id) {
        return jobs.events(viewer.get(), id);
    }

    @GET
    @Path("jobs/{id}/metrics")
    @Operation(summary = "Metric points, optionally one series, after a step; with maxPoints each series is downsampled "
            + "(LTTB) to at most that many points, a later attempt's value replacing an earlier one's at the same step")
    public List<JobService.MetricPoint> metrics(@PathParam("id") long id, @QueryParam("name") String name,
                                                @QueryParam("after") @DefaultValue("-1") long after,
                                                @QueryParam("maxPoints") Integer maxPoints) {
        if (maxPoints == null) {
            return jobs.metrics(viewer.get(), id, name, after);
        }
        if (maxPoints < 3 || maxPoints > 100_000) {
            throw ApiException.badRequest("maxPoints must be between 3 and 100000, got " + maxPoints);
        }
        return jobs.series(viewer.get(), id, name, maxPoints).values().stream().flatMap(List::stream)
                .filter(p -> p.step() > after).toList();
    }

    @GET
    @Path("jobs/{id}/logs")
    @Operation(summary = "Log lines after a given line id")
    public List<JobService.LogLine> logs(@PathParam("id") long id, @QueryParam("after") @DefaultValue("0") long after) {
        return jobs.logs(viewer.get(), id, after);
    }
}
