package io.modelhub.leaderboards;

import io.modelhub.jobs.JobState;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.RunnerProcess;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.modelhub.testing.JobsApi.await;
import static io.modelhub.testing.JobsApi.job;
import static io.modelhub.testing.JobsApi.logs;
import static io.modelhub.testing.JobsApi.submit;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Evaluations on real runner processes: two models pre-trained through the queue name a benchmark to be evaluated
 * on when they finish; the evaluation jobs run on the runners, commit nothing, and the leaderboard ranks the two
 * by score. Re-running one evaluation gives the same fingerprint and the same score.
 */
@QuarkusTest
class EvaluationsEndToEndTest {
    @TestHTTPResource("/")
    URL base;

    static RunnerProcess first;
    static RunnerProcess second;

    @AfterAll
    static void stopRunners() throws Exception {
        for (RunnerProcess r : new RunnerProcess[]{first, second}) {
            if (r != null) {
                r.close();
            }
        }
    }

    @Test
    void twoModelsRankedByScoreAndAReRunReproducesIt(@TempDir Path tmp) throws Exception {
        HubApi.dataset("eval-shapes").folder(ImageFolderDatasetBuilder.in(tmp.resolve("shapes"))
                .classes(Pattern.HORIZONTAL_STRIPES, Pattern.VERTICAL_STRIPES, Pattern.DISC, Pattern.CHECKERBOARD).seed(7).build()).create();
        String hub = base.toString().replaceAll("/$", "");
        first = RunnerProcess.start(hub, "eval-first", tmp.resolve("runner-1"));
        second = RunnerProcess.start(hub, "eval-second", tmp.resolve("runner-2"));
        first.awaitRegistration();
        second.awaitRegistration();

        JsonPath benchmark = HubApi.asAdmin().contentType("application/json")
                .body(Map.of("name", "shapes-accuracy", "task", "image-classification", "dataset", "admin/eval-shapes",
                        "split", "test", "metric", "accuracy", "description", "four synthetic patterns"))
                .post("/api/benchmarks").then().statusCode(201).extract().jsonPath();
        long benchmarkId = benchmark.getLong("id");
        assertEquals(40, benchmark.getString("datasetRevision").length(), "the dataset revision is pinned to a commit id");

        // A trained model and a barely trained one; both ask to be evaluated on the benchmark when done.
        long strong = submit(Map.of("recipe", "image-pretraining", "dataset", "admin/eval-shapes", "outputRepo", "admin/eval-strong",
                "params", Map.of("epochs", 6, "learning_rate", 0.003, "seed", 1), "evaluateOn", List.of(benchmarkId)));
        long weak = submit(Map.of("recipe", "image-pretraining", "dataset", "admin/eval-shapes", "outputRepo", "admin/eval-weak",
                "params", Map.of("epochs", 1, "learning_rate", 0.00001, "seed", 2), "evaluateOn", List.of(benchmarkId)));
        for (long job : List.of(strong, weak)) {
            assertEquals(JobState.SUCCEEDED.wire(), await(job, j -> !JobState.of(j.getString("state")).active(), 240).getString("state"), logs(job));
        }

        List<Map<String, Object>> evals = awaitEvaluations(benchmarkId, 2, 240);
        for (Map<String, Object> e : evals) {
            assertEquals(JobState.SUCCEEDED.wire(), e.get("state"), e.toString());
            JsonPath job = job(((Number) e.get("jobId")).longValue());
            assertEquals("evaluate", job.getString("recipe"));
            assertNull(job.get("outputRepo"), "an evaluation produces no model repository");
            assertNull(job.get("outputCommit"));
        }

        JsonPath board = HubApi.asAdmin().get("/api/benchmarks/" + benchmarkId + "/leaderboard").then().statusCode(200).extract().jsonPath();
        List<String> models = board.getList("entries.model", String.class);
        List<Double> scores = board.getList("entries.score", Double.class);
        assertEquals(2, models.size(), board.prettify());
        assertTrue(scores.get(0) > scores.get(1), "ranked by score, higher first: " + board.prettify());
        assertEquals(List.of(1, 2), board.getList("entries.rank", Integer.class));
        assertEquals("admin/eval-strong", models.get(0), "6 epochs beat 1 epoch at a tiny learning rate: " + board.prettify());
        assertEquals(List.of(true, true), board.getList("entries.verified", Boolean.class));
        assertEquals("vision", board.getString("entries[0].modality"));
        assertTrue(board.getLong("entries[0].parameters") > 1000);
        assertTrue(board.getString("entries[0].runUrl").matches("/jobs/\\d+"));
        assertEquals(1, HubApi.asAdmin().get("/api/benchmarks/" + benchmarkId + "/leaderboard?q=weak").jsonPath().getList("entries").size());
        assertEquals(0, HubApi.asAdmin().get("/api/benchmarks/" + benchmarkId + "/leaderboard?modality=text").jsonPath().getList("entries").size());

        // Re-run the strong model's evaluation: same fingerprint, same score.
        long original = board.getLong("entries[0].evaluationId");
        JsonPath before = HubApi.asAdmin().get("/api/evaluations/" + original).jsonPath();
        long rerun = HubApi.asAdmin().post("/api/evaluations/" + original + "/rerun").then().statusCode(201).extract().jsonPath().getLong("id");
        JsonPath after = awaitEvaluation(rerun, 180);
        assertEquals(JobState.SUCCEEDED.wire(), after.getString("state"), after.prettify());
        assertNotEquals(before.getLong("jobId"), after.getLong("jobId"), "a new run");
        assertEquals(before.getString("fingerprintSha256"), after.getString("fingerprintSha256"), after.prettify());
        assertEquals(before.getDouble("score"), after.getDouble("score"), Fingerprint.TOLERANCE);
        assertEquals(32, after.getInt("fingerprint.preprocessing.image_size"));
        assertEquals("modelhub-cnn", after.getString("fingerprint.model_type"));
        assertEquals(benchmark.getString("datasetRevision"), after.getString("fingerprint.dataset_revision"));
        assertEquals(42, after.getInt("fingerprint.seed"));

        // The model's scores, as its page lists them.
        assertEquals(2, HubApi.asAdmin().get("/api/evaluations?model=admin/eval-strong").jsonPath().getList("$").size());

        // The compare view's data for the two training runs: curves and the differing hyperparameters.
        JsonPath compare = HubApi.asAdmin().get("/api/runs/compare?jobs=" + strong + "," + weak + "&points=50").then().statusCode(200)
                .extract().jsonPath();
        assertTrue(compare.getList("metrics", String.class).contains("loss"), compare.prettify());
        assertTrue(compare.getList("series.findAll { it.metric == 'loss' }.jobId", Long.class).containsAll(List.of(strong, weak)));
        for (Map<?, ?> series : compare.getList("series", Map.class)) {
            assertTrue(((List<?>) series.get("steps")).size() <= 50, "downsampled to at most 50 points: " + series.get("metric"));
        }
        assertEquals(true, compare.getBoolean("hyperparameters.find { it.name == 'epochs' }.differs"));
        assertEquals(false, compare.getBoolean("hyperparameters.find { it.name == 'dataset' }.differs"));
    }

    @Test
    void selfReportedResultsComeFromTheCardAndStandApart() {
        HubApi.dataset("eval-claims-data").file("train/a/1.png", new byte[]{1}).file("train/b/2.png", new byte[]{2}).create();
        long id = HubApi.asAdmin().contentType("application/json")
                .body(Map.of("name", "claims-f1", "task", "image-classification", "dataset", "admin/eval-claims-data",
                        "split", "test", "metric", "macro_f1", "higherIsBetter", true))
                .post("/api/benchmarks").then().statusCode(201).extract().jsonPath().getLong("id");
        HubApi.model("eval-claimer").file("README.md", HubApi.readme("""
                pipeline_tag: image-classification
                model-index:
                - name: eval-claimer
                  results:
                  - task: {type: image-classification}
                    dataset: {type: admin/eval-claims-data, name: Claims, split: test}
                    metrics:
                    - {type: macro_f1, value: 0.97, name: Test macro F1}
                    - {type: accuracy, value: 0.98}
                  - task: {type: image-classification}
                    dataset: {type: someone/else}
                    metrics:
                    - {type: macro_f1, value: 0.5}
                """, "# Claims")).create();
        JsonPath board = HubApi.asAdmin().get("/api/benchmarks/" + id + "/leaderboard").jsonPath();
        assertEquals(0, board.getList("entries").size(), "nothing verified");
        assertEquals(List.of("admin/eval-claimer"), board.getList("selfReported.model", String.class));
        assertEquals(0.97, board.getDouble("selfReported[0].value"), 1e-12);
        assertEquals("Test macro F1", board.getString("selfReported[0].metricName"));
        assertEquals(0, HubApi.asAdmin().get("/api/benchmarks/" + id + "/leaderboard?source=verified").jsonPath()
                .getList("selfReported").size());

        // A new card without the claim withdraws it.
        HubApi.commitTo("model", "admin/eval-claimer").file("README.md", "# No claims any more").post().then().statusCode(200);
        assertEquals(0, HubApi.asAdmin().get("/api/benchmarks/" + id + "/leaderboard").jsonPath().getList("selfReported").size());
    }

    @Test
    void badInputIsAClearError() {
        HubApi.dataset("eval-bad-data").file("train/a/1.png", new byte[]{1}).file("train/b/2.png", new byte[]{2}).create();
        Map<String, Object> spec = Map.of("name", "bad-split", "task", "image-classification", "dataset", "admin/eval-bad-data",
                "split", "holdout", "metric", "accuracy");
        HubApi.asAdmin().contentType("application/json").body(spec).post("/api/benchmarks").then().statusCode(400)
                .body("error", containsString("has no split 'holdout'"));
        HubApi.as(null).contentType("application/json").body(Map.of("name", "anon", "task", "t", "dataset", "admin/eval-bad-data",
                "split", "test", "metric", "accuracy")).post("/api/benchmarks").then().statusCode(401);
        HubApi.asAdmin().contentType("application/json").body(Map.of("name", "no-dataset", "task", "t", "dataset", "admin/missing",
                "split", "test", "metric", "accuracy")).post("/api/benchmarks").then().statusCode(404);
        HubApi.asAdmin().get("/api/benchmarks/999999/leaderboard").then().statusCode(404).body("error", containsString("Benchmark 999999"));
        HubApi.asAdmin().get("/api/runs/compare?jobs=").then().statusCode(400).body("error", containsString("Name the runs"));
        HubApi.asAdmin().get("/api/runs/compare?jobs=1,x").then().statusCode(400).body("error", containsString("'x'"));
        HubApi.asAdmin().get("/api/runs/compare?jobs=999999").then().statusCode(404);
        HubApi.asAdmin().contentType("application/json").body(Map.of("recipe", "image-pretraining", "dataset", "admin/eval-bad-data",
                "evaluateOn", List.of(999999))).post("/api/jobs").then().statusCode(400).body("error", containsString("benchmark 999999"));
    }

    private static List<Map<String, Object>> awaitEvaluations(long benchmarkId, int count, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        while (true) {
            List<Map<String, Object>> evals = HubApi.asAdmin().get("/api/benchmarks/" + benchmarkId + "/evaluations").jsonPath().getList("$");
            if (evals.size() >= count && evals.stream().noneMatch(e -> JobState.of(String.valueOf(e.get("state"))).active())) {
                return evals;
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Evaluations did not finish in " + seconds + " s: " + evals);
            }
            Thread.sleep(250);
        }
    }

    private static JsonPath awaitEvaluation(long id, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        JsonPath e = HubApi.asAdmin().get("/api/evaluations/" + id).jsonPath();
        while (JobState.of(e.getString("state")).active() && System.nanoTime() < deadline) {
            Thread.sleep(250);
            e = HubApi.asAdmin().get("/api/evaluations/" + id).jsonPath();
        }
        return e;
    }
}
