package io.modelhub.platform;

import io.modelhub.blobs.BlobCollector;
import io.modelhub.contract.RunnerProtocol;
import io.modelhub.jobs.JobMetrics;
import io.modelhub.jobs.JobState;
import io.modelhub.leaderboards.EvaluationMetrics;
import io.modelhub.runners.RunnerMetrics;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.modelhub.testing.Safetensors;
import io.modelhub.testing.SimulatedRunner;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 18 part 1: /q/metrics is the scraper's only, and shows live values of every modelhub_* family after real traffic. */
@QuarkusTest
class MetricsEndpointTest {
    @Inject
    JobMetrics jobMetrics;
    @Inject
    RunnerMetrics runnerMetrics;
    @Inject
    EvaluationMetrics evaluationMetrics;
    @Inject
    BlobCollector collector;

    static String scrape() {
        return RestAssured.given().header("Authorization", "Bearer " + HubServicesResource.METRICS_TOKEN)
                .get("/q/metrics").then().statusCode(200).extract().asString();
    }

    /** The value of the one series of {@code family} whose labels contain every {@code labels} pair; absent is an error. */
    static double value(String text, String family, String... labels) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(family) + "(\\{[^}]*})? (\\S+)$").matcher(text);
        while (m.find()) {
            String got = m.group(1) == null ? "" : m.group(1);
            boolean all = true;
            for (String l : labels) {
                all &= got.contains(l);
            }
            if (all) {
                return Double.parseDouble(m.group(2));
            }
        }
        throw new AssertionError("no series " + family + " with " + List.of(labels) + " in:\n" + text.lines()
                .filter(l -> l.startsWith("modelhub_") || l.startsWith("http_server")).toList());
    }

    static double valueOr0(String text, String family, String... labels) {
        try {
            return value(text, family, labels);
        } catch (AssertionError e) {
            return 0;
        }
    }

    @Test
    void onlyTheScrapeTokenReadsTheMetrics() {
        RestAssured.given().get("/q/metrics").then().statusCode(401).header("WWW-Authenticate", "Bearer")
                .body("error", containsString("MODELHUB_METRICS_TOKEN"));
        RestAssured.given().header("Authorization", "Bearer wrong").get("/q/metrics").then().statusCode(401);
        // an admin's API token is not the scrape token
        HubApi.asAdmin().get("/q/metrics").then().statusCode(401);
        scrape();
    }

    @Test
    void familiesShowLiveValuesAfterAnUploadADownloadAndAJob() throws Exception {
        // the gauges are snapshots refreshed every 10 s: take fresh ones, so "before" is not an older test's state
        jobMetrics.refresh();
        String before = scrape();
        byte[] weights = new byte[100_000];
        new Random(18).nextBytes(weights);
        HubApi.model("metrics-base-cnn").file("config.json", "{\"model_type\":\"modelhub-cnn\",\"architectures\":[\"ModelHubCnn\"]}")
                .lfsFile("big.bin", weights).create();
        HubApi.dataset("metrics-shapes").file("train/circle/1.png", new byte[]{1}).file("train/square/2.png", new byte[]{2})
                .file("test/circle/3.png", new byte[]{3}).file("test/square/4.png", new byte[]{4}).create();
        byte[] got = HubApi.asAdmin().get("/admin/metrics-base-cnn/resolve/main/big.bin").then().statusCode(200).extract().asByteArray();
        assertEquals(weights.length, got.length);
        HubApi.asAdmin().get("/api/models/admin/metrics-base-cnn").then().statusCode(200);

        SimulatedRunner runner = SimulatedRunner.register("metrics-runner", 0);
        jobMetrics.refresh();
        double queuedBefore = valueOr0(scrape(), "modelhub_jobs_queued", "recipe=\"" + SimulatedRunner.IMAGE + "\"");
        // a priority above any other test's leftovers, so the runner below claims this job
        long job = HubApi.asAdmin().contentType("application/json").body(Map.of("recipe", SimulatedRunner.IMAGE,
                        "baseModel", "admin/metrics-base-cnn", "dataset", "admin/metrics-shapes", "priority", 100000))
                .post("/api/jobs").then().statusCode(201).extract().jsonPath().getLong("id");
        jobMetrics.refresh();
        String queued = scrape();
        assertEquals(queuedBefore + 1, value(queued, "modelhub_jobs_queued", "recipe=\"" + SimulatedRunner.IMAGE + "\""));

        assertEquals(job, runner.claim(5));
        SimulatedRunner.as(runner.credential()).contentType("application/json")
                .body(new RunnerProtocol.Heartbeat(job, runner.attempt(job), Map.of("cpu", 0.25, "memoryUsedBytes", 3_000_000_000L,
                        "gpus", List.of(Map.of("index", 0, "utilisation", 0.75, "memoryUsedMb", 2048)))))
                .post(RunnerProtocol.ROOT + RunnerProtocol.HEARTBEAT.replace("{runner}", Long.toString(runner.id()))).then().statusCode(200);
        runner.inputFile(job, RunnerProtocol.BASE_MODEL, "config.json").then().statusCode(200);
        runner.output(job, "model.safetensors", Safetensors.builder().tensor("classifier.weight", "F32", 2, 8).build()).then().statusCode(204);
        runner.output(job, "config.json", "{\"model_type\":\"modelhub-cnn\"}".getBytes()).then().statusCode(204);
        runner.complete(job, Map.of("test_accuracy", 0.9)).then().statusCode(204);
        collector.collect(Duration.ofHours(6));
        jobMetrics.refresh();
        runnerMetrics.refresh();
        evaluationMetrics.refresh();
        collector.refreshMeters();
        String after = scrape();

        assertTrue(value(after, "modelhub_upload_bytes_sum", "path=\"lfs\"") - valueOr0(before, "modelhub_upload_bytes_sum", "path=\"lfs\"")
                >= weights.length, "the LFS upload's bytes are counted");
        assertTrue(value(after, "modelhub_upload_seconds_count", "path=\"commit\"") > valueOr0(before, "modelhub_upload_seconds_count", "path=\"commit\""));
        assertTrue(value(after, "modelhub_download_bytes_sum", "path=\"resolve\"") - valueOr0(before, "modelhub_download_bytes_sum", "path=\"resolve\"")
                >= weights.length, "the resolve download's bytes are counted");
        assertTrue(value(after, "modelhub_download_seconds_count", "path=\"resolve\"") >= 1);
        assertTrue(value(after, "modelhub_download_bytes_sum", "path=\"runner\"") >= 1, "the runner's fetch of the job's input is counted apart");

        assertEquals(valueOr0(before, "modelhub_jobs", "state=\"succeeded\"") + 1, value(after, "modelhub_jobs", "state=\"succeeded\""));
        assertEquals(queuedBefore, value(after, "modelhub_jobs_queued", "recipe=\"" + SimulatedRunner.IMAGE + "\""), "the queue is back");
        assertTrue(value(after, "modelhub_job_time_to_start_seconds_count", "recipe=\"" + SimulatedRunner.IMAGE + "\"") >= 1);
        assertTrue(value(after, "modelhub_runners", "state=\"active\"") >= 1);
        assertEquals(0.25, value(after, "modelhub_runner_cpu_load", "runner=\"metrics-runner\""));
        assertEquals(3e9, value(after, "modelhub_runner_memory_used_bytes", "runner=\"metrics-runner\""));
        assertEquals(0.75, value(after, "modelhub_runner_gpu_utilisation", "runner=\"metrics-runner\"", "gpu=\"0\""));
        assertEquals(2048.0 * 1024 * 1024, value(after, "modelhub_runner_gpu_memory_used_bytes", "runner=\"metrics-runner\"", "gpu=\"0\""));
        assertTrue(value(after, "modelhub_evaluations", "state=\"" + JobState.SUCCEEDED.wire() + "\"") >= 0);
        assertTrue(value(after, "modelhub_blob_store_size_bytes") >= weights.length);
        assertTrue(value(after, "modelhub_blob_store_blobs") >= 1);
        assertTrue(value(after, "modelhub_blob_gc_runs_total") >= 1);
        assertTrue(value(after, "modelhub_blob_gc_deleted_total", "reason=\"unreferenced\"") >= 0);

        // the repo info route's template, whatever Quarkus REST makes of its "{type: models|datasets}" segment
        assertTrue(after.lines().anyMatch(l -> l.startsWith("http_server_requests_seconds_count{") && l.contains("method=\"GET\"")
                && l.contains("status=\"200\"") && l.matches(".*uri=\"/api/\\{type[^\"]*\\}/\\{ns\\}/\\{name\\}\".*")),
                "REST routes are tagged by their template: " + after.lines().filter(l -> l.startsWith("http_server_requests_seconds_count")).toList());
        assertFalse(after.lines().anyMatch(l -> l.startsWith("http_server_requests") && l.contains("metrics-base-cnn")),
                "no series names a repository");

        // the Grafana dashboard names only metrics the hub exposes
        String dashboard = Files.readString(Path.of("..", "docker", "grafana", "modelhub.json"));
        new ObjectMapper().readTree(dashboard);
        Matcher names = Pattern.compile("\\b(modelhub_[a-z0-9_]+|http_server_requests_[a-z0-9_]+)").matcher(dashboard);
        int named = 0;
        while (names.find()) {
            String name = names.group(1);
            named++;
            assertTrue(after.lines().anyMatch(l -> l.startsWith(name + "{") || l.startsWith(name + " ")), "the dashboard's " + name + " is exposed");
        }
        assertTrue(named >= 18, "the dashboard has a panel per family");
    }
}
