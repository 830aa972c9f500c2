package io.modelhub.bench;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.Viewer;
import io.modelhub.jobs.JobService;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.modelhub.testing.SimulatedRunner;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * What the job page pays per refresh for a loss curve: read the series from PostgreSQL and downsample it with LTTB
 * to the 400 points the chart draws, for a run with 1k points and one with 100k; the raw read without
 * downsampling, and the HTTP endpoint (GET /api/jobs/{id}/metrics?maxPoints=400), for comparison.
 */
@QuarkusTest
class MetricsSeriesBenchmark {
    static final int MAX_POINTS = 400;

    @Inject
    EntityManager em;
    @Inject
    JobService jobs;

    @Test
    void thousandVersusHundredThousandPoints() {
        SimulatedRunner.register("bench-metrics-recipes", 0);
        HubApi.model("bench-metrics-base").file("config.json", "{\"model_type\":\"modelhub-cnn\"}").create();
        HubApi.dataset("bench-metrics-data").file("train/a/1.png", new byte[]{1}).file("train/b/2.png", new byte[]{2}).create();
        Viewer admin = QuarkusTransaction.requiringNew().call(() -> Viewer.session(Account.find("username", HubServicesResource.ADMIN).firstResult()));
        for (int n : new int[]{1_000, 100_000}) {
            long job = HubApi.asAdmin().contentType("application/json").body(Map.of("recipe", SimulatedRunner.IMAGE,
                            "baseModel", "admin/bench-metrics-base", "dataset", "admin/bench-metrics-data", "gpus", 64))
                    .post("/api/jobs").then().statusCode(201).extract().jsonPath().getLong("id");
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("insert into job_metrics (job_id, attempt, step, name, value) "
                    + "select ?1, 1, g, 'loss', 2.0 / (1 + g / 100.0) + 0.05 * sin(g) from generate_series(1, ?2) g")
                    .setParameter(1, job).setParameter(2, n).executeUpdate());
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("analyze job_metrics").executeUpdate());
            assertEquals(Math.min(n, MAX_POINTS), jobs.series(admin, job, "loss", MAX_POINTS).get("loss").size());
            assertEquals(n, jobs.series(admin, job, "loss", 0).get("loss").size());

            double downsampled = median(() -> jobs.series(admin, job, "loss", MAX_POINTS));
            double raw = median(() -> jobs.series(admin, job, "loss", 0));
            double http = median(() -> HubApi.asAdmin().get("/api/jobs/" + job + "/metrics?name=loss&maxPoints=" + MAX_POINTS)
                    .then().statusCode(200));
            double[] xs = new double[n];
            double[] ys = new double[n];
            for (int i = 0; i < n; i++) {
                xs[i] = i;
                ys[i] = 2.0 / (1 + i / 100.0) + 0.05 * Math.sin(i);
            }
            double lttbOnly = median(() -> io.modelhub.metrics.Lttb.select(xs, ys, MAX_POINTS));
            // what a live job page pays per refresh: the rows since its last read, then LTTB over what it holds
            io.modelhub.jobs.MetricSeries live = jobs.readNew(admin, job, "loss", new io.modelhub.jobs.MetricSeries());
            double refresh = median(() -> jobs.readNew(admin, job, "loss", live).downsampled(MAX_POINTS));
            BenchmarkReport.line("metrics: %,d points -> %d: read+LTTB %.2f ms (LTTB alone %.3f ms), raw read of all %.2f ms, "
                    + "HTTP maxPoints=%d %.2f ms, live-page refresh (new rows + LTTB) %.2f ms (medians of 15)",
                    n, Math.min(n, MAX_POINTS), downsampled, lttbOnly, raw, MAX_POINTS, http, refresh);
        }
    }

    /** Median wall time in ms of 15 runs after 5 warm-ups. */
    private static double median(Runnable r) {
        for (int i = 0; i < 5; i++) {
            r.run();
        }
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < 15; i++) {
            long t0 = System.nanoTime();
            r.run();
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        return BenchmarkReport.percentile(ms, 50);
    }
}
