package io.modelhub.leaderboards;

import io.modelhub.accounts.CurrentViewer;
import io.modelhub.platform.ApiException;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.eclipse.microprofile.openapi.annotations.Operation;

import java.util.ArrayList;
import java.util.List;

/** Benchmarks, evaluations, leaderboards and run comparison. */
@Path("/api")
@Produces(MediaType.APPLICATION_JSON)
public class BenchmarkResource {
    @Inject
    BenchmarkService benchmarks;
    @Inject
    EvaluationService evaluations;
    @Inject
    LeaderboardService leaderboards;
    @Inject
    RunComparison comparison;
    @Inject
    CurrentViewer viewer;

    @POST
    @Path("benchmarks")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a benchmark: task, dataset pinned to a commit (revision resolved now), split, metric, direction")
    public Response create(BenchmarkService.BenchmarkSpec spec) {
        return Response.status(201).entity(benchmarks.create(viewer.get(), spec)).build();
    }

    @GET
    @Path("benchmarks")
    @Operation(summary = "List benchmarks")
    public List<BenchmarkService.BenchmarkView> list() {
        return benchmarks.list();
    }

    @GET
    @Path("benchmarks/{id}")
    @Operation(summary = "A benchmark")
    public BenchmarkService.BenchmarkView get(@PathParam("id") long id) {
        return benchmarks.get(id);
    }

    @GET
    @Path("benchmarks/{id}/leaderboard")
    @Operation(summary = "Ranked verified scores (latest per model) and, apart, self-reported model-index results")
    public LeaderboardService.Leaderboard leaderboard(@PathParam("id") long id, @QueryParam("modality") String modality,
                                                      @QueryParam("q") String q, @QueryParam("source") String source) {
        return leaderboards.leaderboard(viewer.get(), id, new LeaderboardService.Filters(modality, q, source));
    }

    @POST
    @Path("benchmarks/{id}/evaluations")
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Evaluate a model commit on the benchmark: queues an 'evaluate' job on the runners")
    public Response evaluate(@PathParam("id") long id, EvaluationService.EvaluationSpec spec) {
        return Response.status(201).entity(evaluations.evaluate(viewer.get(), id, spec)).build();
    }

    @GET
    @Path("benchmarks/{id}/evaluations")
    @Operation(summary = "Every evaluation on the benchmark, newest first, whatever its state")
    public List<EvaluationService.EvaluationView> benchmarkEvaluations(@PathParam("id") long id) {
        return evaluations.forBenchmark(viewer.get(), id);
    }

    @GET
    @Path("evaluations")
    @Operation(summary = "A model's evaluations (model=namespace/name), newest first")
    public List<EvaluationService.EvaluationView> modelEvaluations(@QueryParam("model") String model) {
        if (model == null || model.isBlank()) {
            throw ApiException.badRequest("Name the model: evaluations?model=namespace/name");
        }
        return evaluations.forModel(viewer.get(), model);
    }

    @GET
    @Path("evaluations/{id}")
    @Operation(summary = "An evaluation with its score(s), run and fingerprint")
    public EvaluationService.EvaluationView evaluation(@PathParam("id") long id) {
        return evaluations.get(viewer.get(), id);
    }

    @POST
    @Path("evaluations/{id}/rerun")
    @Operation(summary = "Evaluate the same model commit, benchmark and seed again (reproduces the score)")
    public Response rerun(@PathParam("id") long id) {
        return Response.status(201).entity(evaluations.rerun(viewer.get(), id)).build();
    }

    @GET
    @Path("runs/compare")
    @Operation(summary = "Compare runs (jobs=1,2,...): curves downsampled to `points` per series, hyperparameters with differences, final metrics")
    public RunComparison.Comparison compare(@QueryParam("jobs") String jobs, @QueryParam("points") Integer points) {
        return comparison.compare(viewer.get(), parseIds(jobs), points);
    }

    static List<Long> parseIds(String text) {
        List<Long> ids = new ArrayList<>();
        if (text == null) {
            return ids;
        }
        for (String part : text.split(",")) {
            if (part.isBlank()) {
                continue;
            }
            try {
                ids.add(Long.parseLong(part.trim()));
            } catch (NumberFormatException e) {
                throw ApiException.badRequest("jobs must be job ids separated by commas, not '" + part.trim() + "'");
            }
        }
        return ids;
    }
}
