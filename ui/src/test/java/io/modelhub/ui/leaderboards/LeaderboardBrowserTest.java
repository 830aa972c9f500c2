package io.modelhub.ui.leaderboards;

import io.modelhub.jobs.JobState;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.modelhub.ui.testing.Browser;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.WebElement;

import java.net.URL;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The leaderboard and the compare view in a real browser. Runs, metric points and scores are written straight to
 * the database (the backend's EvaluationsEndToEndTest produces them with real runners); this test is about what
 * the pages show: the ranking, self-reported claims apart, both runs' curves and the differing hyperparameter.
 */
@QuarkusTest
class LeaderboardBrowserTest {
    @TestHTTPResource("/")
    URL base;
    @Inject
    EntityManager em;
    Browser browser;

    @BeforeEach
    void start() throws Exception {
        browser = new Browser(base);
    }

    @AfterEach
    void stop() {
        browser.close();
    }

    @Test
    void leaderboardRanksAndCompareShowsBothCurvesAndTheDifference() {
        HubApi.model("ui-eval-strong").file("README.md", "# strong").create();
        HubApi.model("ui-eval-weak").file("README.md", "# weak").create();
        HubApi.model("ui-eval-claimer").file("README.md", HubApi.readme("""
                model-index:
                - name: claimer
                  results:
                  - dataset: {type: admin/ui-eval-data}
                    metrics: [{type: accuracy, value: 0.99}]
                """, "# claims")).create();
        long[] ids = QuarkusTransaction.requiringNew().call(() -> {
            long owner = ((Number) em.createNativeQuery("select id from accounts where username = ?1")
                    .setParameter(1, HubServicesResource.ADMIN).getSingleResult()).longValue();
            long strongJob = job(owner, 6, "admin/ui-eval-strong");
            long weakJob = job(owner, 2, "admin/ui-eval-weak");
            long benchmark = ((Number) em.createNativeQuery("insert into benchmarks (name, task, dataset, dataset_revision, split, metric, "
                            + "owner_id) values ('ui-shapes', 'image-classification', 'admin/ui-eval-data', repeat('a', 40), 'test', "
                            + "'accuracy', ?1) returning id").setParameter(1, owner).getSingleResult()).longValue();
            evaluation(benchmark, "ui-eval-weak", weakJob, 0.61);
            evaluation(benchmark, "ui-eval-strong", strongJob, 0.93);
            return new long[]{benchmark, strongJob, weakJob};
        });

        browser.open("/benchmarks/" + ids[0]);
        browser.waitUntil(d -> d.findElement(By.id("leaderboard-grid")).getText().contains("admin/ui-eval-weak"));
        String board = browser.driver().findElement(By.id("leaderboard-grid")).getText();
        assertTrue(board.indexOf("admin/ui-eval-strong") < board.indexOf("admin/ui-eval-weak"), board);
        assertTrue(board.contains("0.9300") && board.contains("0.6100"), board);
        List<String> runLinks = browser.driver().findElements(By.cssSelector("#leaderboard-grid a.run-link")).stream()
                .map(a -> a.getAttribute("href")).toList();
        assertTrue(runLinks.stream().anyMatch(h -> h.endsWith("/jobs/" + ids[1])), runLinks.toString());
        String claims = browser.waitFor(By.id("self-reported-grid")).getText();
        assertTrue(claims.contains("admin/ui-eval-claimer") && claims.contains("0.9900"), claims);
        assertFalse(board.contains("ui-eval-claimer"), "self-reported claims stay out of the verified ranking");

        browser.type("filter-model", "weak");
        browser.waitUntil(d -> !d.findElement(By.id("leaderboard-grid")).getText().contains("admin/ui-eval-strong"));

        browser.open("/admin/ui-eval-strong");
        try {
            browser.waitUntil(d -> d.findElement(By.id("model-scores")).getText().contains("ui-shapes"));
        } catch (RuntimeException e) {
            throw new AssertionError("The model page lists no score: " + browser.driver().findElement(By.tagName("body")).getText(), e);
        }

        // Runs are visible to their owner (and admins) only.
        browser.signIn(HubServicesResource.ADMIN, HubServicesResource.ADMIN_PASSWORD);
        browser.open("/compare?jobs=" + ids[1] + "," + ids[2]);
        for (long job : new long[]{ids[1], ids[2]}) {
            WebElement curve = browser.waitFor(By.cssSelector("svg[data-metric='loss'] polyline.curve[data-key='" + job + "']"));
            assertTrue(curve.getAttribute("points").split(" ").length >= 100, "a curve, not a dot");
        }
        WebElement epochs = browser.waitFor(By.cssSelector("#hyperparameters tr[data-name='epochs']"));
        assertEquals("differs", epochs.getAttribute("class"), "the differing hyperparameter is highlighted");
        assertTrue(epochs.getText().contains("6") && epochs.getText().contains("2"), epochs.getText());
        assertEquals("", browser.driver().findElement(By.cssSelector("#hyperparameters tr[data-name='learning_rate']"))
                .getAttribute("class"), "equal values are not highlighted");
        assertTrue(browser.driver().findElement(By.id("final-metrics")).getText().contains("test_accuracy"));

        browser.open("/compare?jobs=99999999");
        assertTrue(browser.waitFor(By.id("compare-error")).getText().contains("Job 99999999 not found"));
    }

    private long job(long owner, int epochs, String output) {
        long id = ((Number) em.createNativeQuery("insert into jobs (owner_id, recipe_id, recipe_version, params, dataset, dataset_revision, "
                        + "output_repo, state, result) values (?1, 'image-pretraining', '1', cast(?2 as jsonb), 'admin/ui-eval-data', "
                        + "repeat('a', 40), ?3, " + JobState.SUCCEEDED.sql() + ", cast(?4 as jsonb)) returning id")
                .setParameter(1, owner).setParameter(2, "{\"epochs\": " + epochs + ", \"learning_rate\": 0.003}")
                .setParameter(3, output).setParameter(4, "{\"test_accuracy\": " + (epochs / 10.0) + "}").getSingleResult()).longValue();
        em.createNativeQuery("insert into job_metrics (job_id, attempt, step, name, value) select ?1, 1, s, 'loss', "
                + "2.0 / (1 + s * ?2 / 100.0) from generate_series(1, 300) s").setParameter(1, id).setParameter(2, epochs).executeUpdate();
        return id;
    }

    private void evaluation(long benchmark, String model, long job, double score) {
        em.createNativeQuery("insert into evaluations (benchmark_id, repo_id, model_commit, job_id, seed, score, scores, finished_at) "
                        + "select ?1, r.id, repeat('b', 40), ?2, 42, ?3, cast('{}' as jsonb), now() from repos r "
                        + "where r.namespace = 'admin' and r.name = ?4")
                .setParameter(1, benchmark).setParameter(2, job).setParameter(3, score).setParameter(4, model).executeUpdate();
    }
}
