package io.modelhub.bench;

import io.modelhub.jobs.JobState;
import io.modelhub.accounts.Account;
import io.modelhub.accounts.Viewer;
import io.modelhub.leaderboards.RunComparison;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compare view's data for 100 runs of 10k points each (one million job_metrics rows, written with
 * generate_series: a noisy decaying loss per run), built server side by {@link RunComparison}: the bucket reads
 * (job_metric_buckets), the min/max downsampling to 500 points per run, and the hyperparameter/final-metric
 * tables. Beside it, on the same rows, the read it replaced (every point streamed from job_metrics, then LTTB),
 * and what keeping the buckets costs a metric insert. One warm-up round, then five; the median and every round
 * are reported.
 */
@QuarkusTest
class RunComparisonBenchmark {
    static final int RUNS = 100;
    static final int POINTS = 10_000;

    @Inject
    EntityManager em;
    @Inject
    RunComparison comparison;
    @Inject
    io.modelhub.jobs.JobService jobs;

    @Test
    void hundredRunsOfTenThousandPoints() {
        HubApi.dataset("compare-bench-data").file("train/a/1.png", new byte[]{1}).file("train/b/2.png", new byte[]{2}).create();
        long loadStart = System.nanoTime();
        // the bucket trigger makes the load slower than the default 60 s transaction on a loaded box
        List<Long> ids = QuarkusTransaction.requiringNew().timeout(900).call(() -> {
            List<Long> out = new ArrayList<>();
            long owner = ((Number) em.createNativeQuery("select id from accounts where username = ?1")
                    .setParameter(1, HubServicesResource.ADMIN).getSingleResult()).longValue();
            for (int r = 0; r < RUNS; r++) {
                Number id = (Number) em.createNativeQuery("insert into jobs (owner_id, recipe_id, recipe_version, params, dataset, "
                                + "dataset_revision, output_repo, state, result) values (?1, 'image-pretraining', '1', cast(?2 as jsonb), "
                                + "'admin/compare-bench-data', repeat('0', 40), ?3, " + JobState.SUCCEEDED.sql() + ", cast(?4 as jsonb)) returning id")
                        .setParameter(1, owner).setParameter(2, "{\"epochs\": 5, \"learning_rate\": " + (0.001 * (1 + r % 7)) + "}")
                        .setParameter(3, "admin/compare-bench-" + r).setParameter(4, "{\"test_accuracy\": " + (0.5 + r / 1000.0) + "}")
                        .getSingleResult();
                em.createNativeQuery("insert into job_metrics (job_id, attempt, step, name, value) select ?1, 1, s, 'loss', "
                        + "exp(-s / 2000.0) + random() * 0.05 from generate_series(1, ?2) s")
                        .setParameter(1, id.longValue()).setParameter(2, POINTS).executeUpdate();
                out.add(id.longValue());
            }
            em.createNativeQuery("analyze job_metrics").executeUpdate();
            em.createNativeQuery("analyze job_metric_buckets").executeUpdate();
            return out;
        });
        double loadSeconds = (System.nanoTime() - loadStart) / 1e9;
        Viewer admin = QuarkusTransaction.requiringNew().call(() -> Viewer.session(Account.find("username", HubServicesResource.ADMIN).firstResult()));

        List<Double> rounds = new ArrayList<>();
        RunComparison.Comparison last = null;
        for (int round = 0; round < 6; round++) {
            long start = System.nanoTime();
            last = comparison.compare(admin, ids, 500);
            double ms = (System.nanoTime() - start) / 1e6;
            if (round > 0) {
                rounds.add(ms);
            }
        }
        assertEquals(RUNS, last.series().size());
        assertTrue(last.series().stream().allMatch(s -> s.totalPoints() == POINTS && s.steps().length > 400 && s.steps().length <= 500));
        assertTrue(last.hyperparameters().stream().anyMatch(r -> r.name().equals("learning_rate") && r.differs()));
        BenchmarkReport.line("RunComparisonBenchmark: %d runs x %d points (%d rows, loaded in %.1f s) -> %d series x <= 500 points: "
                        + "median %.0f ms, rounds %s ms", RUNS, POINTS, RUNS * POINTS, loadSeconds, last.series().size(),
                BenchmarkReport.percentile(rounds, 50), rounds.stream().map(d -> String.format(java.util.Locale.ROOT, "%.0f", d)).toList());

        // the part of a compare that is not the series: the 100 jobs read through JobService.get (visibility)
        List<Double> jobRounds = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            long start = System.nanoTime();
            ids.forEach(id -> jobs.get(admin, id));
            if (round > 0) {
                jobRounds.add((System.nanoTime() - start) / 1e6);
            }
        }
        BenchmarkReport.line("RunComparisonBenchmark: of which the 100 runs read through JobService.get: median %.0f ms",
                BenchmarkReport.percentile(jobRounds, 50));

        List<Double> rawRounds = new ArrayList<>();
        for (int round = 0; round < 6; round++) {
            long start = System.nanoTime();
            int series = QuarkusTransaction.requiringNew().call(() -> readEveryPointAndLttb(ids));
            assertEquals(RUNS, series);
            if (round > 0) {
                rawRounds.add((System.nanoTime() - start) / 1e6);
            }
        }
        BenchmarkReport.line("RunComparisonBenchmark: the replaced read (every point from job_metrics, then LTTB to 500): median %.0f ms, "
                        + "rounds %s ms", BenchmarkReport.percentile(rawRounds, 50),
                rawRounds.stream().map(d -> String.format(java.util.Locale.ROOT, "%.0f", d)).toList());

        // what a runner's metric costs now: one insert statement per point, as JobQueue.metrics does, with the
        // bucket trigger, against the same inserts into a copy of the table without it
        long job = ids.get(0);
        double withBuckets = QuarkusTransaction.requiringNew().call(() -> insertPoints("job_metrics", job));
        double plain = QuarkusTransaction.requiringNew().call(() -> {
            em.createNativeQuery("create temporary table job_metrics_plain (like job_metrics including defaults) on commit drop").executeUpdate();
            return insertPoints("job_metrics_plain", job);
        });
        BenchmarkReport.line("RunComparisonBenchmark: one metric insert (statement per point, 2000 points): %.3f ms with the "
                + "bucket trigger, %.3f ms without", withBuckets, plain);
    }

    /** Milliseconds per point of 2000 single-point inserts, steps after the series' end. */
    private double insertPoints(String table, long job) {
        long start = System.nanoTime();
        for (int i = 1; i <= 2000; i++) {
            em.createNativeQuery("insert into " + table + " (job_id, attempt, step, name, value) values (?1, 1, ?2, 'loss', ?3)")
                    .setParameter(1, job).setParameter(2, (long) POINTS + i).setParameter(3, 1.0 / i).executeUpdate();
        }
        return (System.nanoTime() - start) / 1e6 / 2000;
    }

    /** The compare view's read before the buckets: every point in (job, metric, step) order, then LTTB per series. */
    private int readEveryPointAndLttb(List<Long> ids) {
        return em.unwrap(org.hibernate.Session.class).doReturningWork(connection -> {
            int series = 0;
            try (java.sql.PreparedStatement st = connection.prepareStatement("select job_id, name, step, value from job_metrics "
                    + "where job_id = any(?) order by job_id, name, step, attempt")) {
                st.setArray(1, connection.createArrayOf("bigint", ids.toArray(Long[]::new)));
                st.setFetchSize(20_000);
                try (java.sql.ResultSet rs = st.executeQuery()) {
                    int jobColumn = rs.findColumn("job_id"), nameColumn = rs.findColumn("name");
                    int stepColumn = rs.findColumn("step"), valueColumn = rs.findColumn("value");
                    long job = -1;
                    double[] xs = new double[POINTS];
                    double[] ys = new double[POINTS];
                    int size = 0;
                    while (rs.next()) {
                        long j = rs.getLong(jobColumn);
                        if (j != job && size > 0) {
                            io.modelhub.metrics.Lttb.select(java.util.Arrays.copyOf(xs, size), java.util.Arrays.copyOf(ys, size), 500);
                            series++;
                            size = 0;
                        }
                        job = j;
                        rs.getString(nameColumn);
                        xs[size] = rs.getLong(stepColumn);
                        ys[size++] = rs.getDouble(valueColumn);
                    }
                    if (size > 0) {
                        io.modelhub.metrics.Lttb.select(java.util.Arrays.copyOf(xs, size), java.util.Arrays.copyOf(ys, size), 500);
                        series++;
                    }
                }
            }
            return series;
        });
    }
}
