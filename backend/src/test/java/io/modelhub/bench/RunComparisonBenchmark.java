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
 * generate_series: a noisy decaying loss per run), built server side by {@link RunComparison}: the query, the
 * series assembly and LTTB downsampling to 500 points per run, and the hyperparameter/final-metric tables. One
 * warm-up round, then five; the median and every round are reported.
 */
@QuarkusTest
class RunComparisonBenchmark {
    static final int RUNS = 100;
    static final int POINTS = 10_000;

    @Inject
    EntityManager em;
    @Inject
    RunComparison comparison;

    @Test
    void hundredRunsOfTenThousandPoints() {
        HubApi.dataset("compare-bench-data").file("train/a/1.png", new byte[]{1}).file("train/b/2.png", new byte[]{2}).create();
        long loadStart = System.nanoTime();
        List<Long> ids = QuarkusTransaction.requiringNew().call(() -> {
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
        assertTrue(last.series().stream().allMatch(s -> s.totalPoints() == POINTS && s.steps().length == 500));
        assertTrue(last.hyperparameters().stream().anyMatch(r -> r.name().equals("learning_rate") && r.differs()));
        BenchmarkReport.line("RunComparisonBenchmark: %d runs x %d points (%d rows, loaded in %.1f s) -> %d series x 500 points: "
                        + "median %.0f ms, rounds %s ms", RUNS, POINTS, RUNS * POINTS, loadSeconds, last.series().size(),
                BenchmarkReport.percentile(rounds, 50), rounds.stream().map(d -> String.format(java.util.Locale.ROOT, "%.0f", d)).toList());
    }
}
