package io.modelhub.leaderboards;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.Viewer;
import io.modelhub.jobs.JobState;
import io.modelhub.metrics.MetricBuckets;
import io.modelhub.testing.HubServicesResource;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compare view draws from the buckets kept as metrics arrive (job_metric_buckets, filled by a trigger on
 * job_metrics) the chart it would draw from the raw points: every point of a short series, and for a long one the
 * min/max chart of {@link MetricBuckets} over the recorded points, whatever order and batches they arrived in.
 */
@QuarkusTest
class RunComparisonChartTest {
    @Inject
    EntityManager em;
    @Inject
    RunComparison comparison;

    @Test
    void aShortSeriesKeepsEveryPoint() {
        long job = job("chart-short");
        long[] steps = new long[300];
        double[] values = new double[300];
        for (int i = 0; i < 300; i++) {
            steps[i] = i + 1;
            values[i] = 2.0 / (1 + i / 30.0);
        }
        record(job, 1, "loss", steps, values, 7, new Random(1));
        RunComparison.Series s = only(comparison.compare(admin(), List.of(job), 500), "loss");
        assertEquals(300, s.totalPoints());
        assertArrayEquals(steps, s.steps());
        assertArrayEquals(values, s.values());
    }

    @Test
    void aLongSeriesReadFromBucketsIsTheChartOfItsRawPoints() {
        long job = job("chart-long");
        Random random = new Random(8);
        int size = 10_000;
        long[] steps = new long[size];
        double[] values = new double[size];
        for (int i = 0; i < size; i++) {
            steps[i] = 10 + i * 2L;
            values[i] = Math.exp(-i / 2000.0) + random.nextGaussian() * 0.05 + (i == 6_001 ? 3 : 0) - (i == 42 ? 3 : 0);
        }
        // batches of 97 in a shuffled order: later steps may arrive before earlier ones
        record(job, 1, "loss", steps, values, 97, random);
        for (int points : new int[]{500, 50}) {
            RunComparison.Series s = only(comparison.compare(admin(), List.of(job), points), "loss");
            long width = MetricBuckets.width(steps[0], steps[size - 1], points);
            MetricBuckets.Points expected = MetricBuckets.reduce(MetricBuckets.of(steps, values, size, width), points);
            assertEquals(size, s.totalPoints());
            assertTrue(s.steps().length <= points && s.steps().length > points / 2, "drawn: " + s.steps().length);
            assertArrayEquals(expected.steps(), s.steps(), "the same points as from the raw series at " + points);
            assertArrayEquals(expected.values(), s.values());
            assertEquals(steps[0], s.steps()[0]);
            assertEquals(steps[size - 1], s.steps()[s.steps().length - 1]);
            assertTrue(drawn(s, steps[6_001], values[6_001]), "the highest point is drawn at " + points);
            assertTrue(drawn(s, steps[42], values[42]), "the lowest point is drawn at " + points);
        }
    }

    @Test
    void aResumedJobDrawsTheLatestAttemptsValues() {
        long job = job("chart-resumed");
        long[] first = new long[2000];
        double[] firstValues = new double[2000];
        for (int i = 0; i < 2000; i++) {
            first[i] = i + 1;
            firstValues[i] = i == 1499 ? 9.0 : 1.0 - i / 4000.0;
        }
        record(job, 1, "loss", first, firstValues, 100, new Random(3));
        // the second attempt resumed from the checkpoint at step 1000 and recorded steps 1001-2000 again
        long[] second = new long[1000];
        double[] secondValues = new double[1000];
        for (int i = 0; i < 1000; i++) {
            second[i] = 1001 + i;
            secondValues[i] = 0.5 - i / 10000.0;
        }
        record(job, 2, "loss", second, secondValues, 100, new Random(4));
        double[] merged = new double[2000];
        for (int i = 0; i < 2000; i++) {
            merged[i] = i < 1000 ? firstValues[i] : secondValues[i - 1000];
        }
        RunComparison.Series s = only(comparison.compare(admin(), List.of(job), 100), "loss");
        MetricBuckets.Points expected = MetricBuckets.reduce(MetricBuckets.of(first, merged, 2000,
                MetricBuckets.width(1, 2000, 100)), 100);
        assertEquals(2000, s.totalPoints());
        assertArrayEquals(expected.steps(), s.steps());
        assertArrayEquals(expected.values(), s.values());
        for (double v : s.values()) {
            assertFalse(v == 9.0, "the first attempt's value at step 1500 was replaced");
        }
    }

    private static boolean drawn(RunComparison.Series s, long step, double value) {
        for (int i = 0; i < s.steps().length; i++) {
            if (s.steps()[i] == step && s.values()[i] == value) {
                return true;
            }
        }
        return false;
    }

    private static RunComparison.Series only(RunComparison.Comparison c, String metric) {
        List<RunComparison.Series> found = c.series().stream().filter(s -> s.metric().equals(metric)).toList();
        assertEquals(1, found.size());
        return found.get(0);
    }

    private Viewer admin() {
        return QuarkusTransaction.requiringNew().call(() -> Viewer.session(Account.find("username", HubServicesResource.ADMIN).firstResult()));
    }

    private long job(String output) {
        return QuarkusTransaction.requiringNew().call(() -> {
            long owner = ((Number) em.createNativeQuery("select id from accounts where username = ?1")
                    .setParameter(1, HubServicesResource.ADMIN).getSingleResult()).longValue();
            return ((Number) em.createNativeQuery("insert into jobs (owner_id, recipe_id, recipe_version, params, dataset, "
                            + "dataset_revision, output_repo, state) values (?1, 'image-pretraining', '1', cast('{}' as jsonb), "
                            + "'admin/chart-data', repeat('0', 40), ?2, " + JobState.SUCCEEDED.sql() + ") returning id")
                    .setParameter(1, owner).setParameter(2, "admin/" + output + "-" + System.nanoTime()).getSingleResult()).longValue();
        });
    }

    /** Inserts the points in batches of {@code batch}, one statement (one trigger run) per batch, batches shuffled. */
    private void record(long job, int attempt, String name, long[] steps, double[] values, int batch, Random random) {
        List<Integer> starts = new ArrayList<>();
        for (int i = 0; i < steps.length; i += batch) {
            starts.add(i);
        }
        Collections.shuffle(starts, random);
        QuarkusTransaction.requiringNew().run(() -> {
            for (int start : starts) {
                StringBuilder sql = new StringBuilder("insert into job_metrics (job_id, attempt, step, name, value) values ");
                for (int i = start; i < Math.min(steps.length, start + batch); i++) {
                    sql.append(i == start ? "" : ", ").append("(").append(job).append(", ").append(attempt).append(", ")
                            .append(steps[i]).append(", '").append(name).append("', ").append(Double.toString(values[i])).append(")");
                }
                em.createNativeQuery(sql.toString()).executeUpdate();
            }
        });
    }
}
