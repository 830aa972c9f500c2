package io.modelhub.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.modelhub.contract.InferenceProtocol;
import io.modelhub.jobs.JobState;
import io.modelhub.platform.EmbeddedServices;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder;
import io.modelhub.runners.testing.ImageFolderDatasetBuilder.Pattern;
import io.modelhub.testing.LfsClient;
import io.modelhub.testing.RunnerProcess;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Two packaged hubs, A and B, on one PostgreSQL and one S3 server (started here, as an operator would run them
 * beside the hubs), each with its own data folder, started at the same moment on the empty database; a runner
 * agent knows only B. What one instance does, the other sees: an LFS upload announced to A is PUT to B and
 * downloads byte-identical from B; a job submitted on A is claimed and run by B's runner while A serves its metrics
 * live; an inference call on A is answered by that runner (which serves too, and polls B only) through the database,
 * as a call on B is; the blob GC, which both schedule, runs on one instance per period.
 */
class TwoInstancesIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String METRICS_TOKEN = "two-instances-scrape-token";
    /** The blob GC's period on both hubs: short, so that the test sees many of them. */
    private static final int GC_SECONDS = 2;
    private static final java.util.regex.Pattern GC_RUNS =
            java.util.regex.Pattern.compile("(?m)^modelhub_blob_gc_runs_total(?:\\{[^}]*})? ([0-9.eE+]+)$");

    @Test
    void twoHubsShareOneDatabaseAndOneStore(@TempDir Path tmp) throws Exception {
        long t0 = System.nanoTime();
        try (EmbeddedServices shared = EmbeddedServices.start(tmp.resolve("shared"), true, true)) {
            Map<String, String> c = shared.config();
            ServerProcess a = hub(tmp.resolve("data-a"), c).start("two-a");
            ServerProcess b = hub(tmp.resolve("data-b"), c).start("two-b");
            try (a; b) {
                // both migrate and bootstrap the admin on the empty database at once: Flyway's lock and the
                // bootstrap's lock let one do it and the other find it done
                long readyA = a.waitHealthy();
                long readyB = b.waitHealthy();
                System.out.printf("Two instances: A ready %d s, B ready %d s after start%n", readyA, readyB);
                // counted from here, when both schedulers surely run, to the end
                double gcBefore = gcRuns(a) + gcRuns(b);
                long counting = System.nanoTime();

                uploadThroughAReadThroughB(a, b);
                jobOnAIsRunByBsRunner(a, b, tmp, c);

                double seconds = (System.nanoTime() - counting) / 1e9;
                double runsA = gcRuns(a), runsB = gcRuns(b);
                double runs = runsA + runsB - gcBefore;
                System.out.printf("Two instances: blob GC ran %.0f times in %.0f s (period %d s); %.0f on A and %.0f on B since start%n",
                        runs, seconds, GC_SECONDS, runsA, runsB);
                // each instance ticks every period: unguarded, they would sweep about 2 * seconds / period times
                assertTrue(runs <= seconds / (0.9 * GC_SECONDS) + 1,
                        "at most one sweep per period across both instances: " + runs + " in " + seconds + " s");
                assertTrue(runs >= 3, "the sweep ran: " + runs + " times in " + seconds + " s");
            }
        }
        System.out.printf("Two instances: whole test %d s%n", TimeUnit.NANOSECONDS.toSeconds(System.nanoTime() - t0));
    }

    private static ServerProcess.Builder hub(Path data, Map<String, String> shared) {
        return ServerProcess.on(data)
                .env("MODELHUB_DB_URL", shared.get("quarkus.datasource.jdbc.url"))
                .env("MODELHUB_DB_USER", shared.get("quarkus.datasource.username"))
                .env("MODELHUB_S3_ENDPOINT", shared.get("modelhub.s3.endpoint"))
                .env("MODELHUB_S3_ACCESS_KEY", shared.get("modelhub.s3.access-key"))
                .env("MODELHUB_S3_SECRET_KEY", shared.get("modelhub.s3.secret-key"))
                .env("MODELHUB_METRICS_TOKEN", METRICS_TOKEN)
                .env("MODELHUB_BLOBS_GC_EVERY", GC_SECONDS + "s")
                .env("MODELHUB_BLOBS_GC_DELAY", "1s");
    }

    /**
     * huggingface_hub's LFS upload with a load balancer between the calls: the batch call reaches A, the PUT to the
     * hub-signed URL reaches B (valid there only if both hold the same signing key), the commit reaches A again.
     */
    private static void uploadThroughAReadThroughB(ServerProcess a, ServerProcess b) throws Exception {
        assertEquals(200, a.send("POST", "/api/repos/create", "application/json", "{\"name\":\"shared-weights\"}").statusCode());
        byte[] weights = new byte[3 * 1024 * 1024 + 17];
        new Random(18).nextBytes(weights);
        String oid = LfsClient.sha256(weights);
        HttpResponse<String> batch = a.send("POST", "/admin/shared-weights.git/info/lfs/objects/batch", "application/vnd.git-lfs+json",
                "{\"operation\":\"upload\",\"transfers\":[\"basic\"],\"hash_algo\":\"sha_256\",\"objects\":[{\"oid\":\"" + oid
                        + "\",\"size\":" + weights.length + "}]}");
        assertEquals(200, batch.statusCode(), batch.body());
        String href = JSON.readTree(batch.body()).path("objects").path(0).path("actions").path("upload").path("href").asText();
        assertTrue(href.startsWith(a.base + "/"), "a hub-signed URL on A: " + href);
        HttpResponse<String> put = LfsClient.put(b.base + href.substring(a.base.length()), weights);
        assertEquals(200, put.statusCode(), "B accepts the URL A signed: " + put.body());
        HttpResponse<String> commit = a.send("POST", "/api/models/admin/shared-weights/commit/main", "application/x-ndjson",
                "{\"key\":\"header\",\"value\":{\"summary\":\"weights\"}}\n{\"key\":\"lfsFile\",\"value\":{\"path\":\"model.bin\","
                        + "\"algo\":\"sha256\",\"oid\":\"" + oid + "\",\"size\":" + weights.length + "}}\n");
        assertEquals(200, commit.statusCode(), commit.body());
        assertArrayEquals(weights, b.bytes("/admin/shared-weights/resolve/main/model.bin"), "B serves the bytes uploaded through A");
    }

    /**
     * A runner registered through B claims the job submitted on A (B's claim is woken by A's NOTIFY), and A's job
     * API shows the loss points the runner posts to B while the job is still running.
     */
    private static void jobOnAIsRunByBsRunner(ServerProcess a, ServerProcess b, Path tmp, Map<String, String> shared) throws Exception {
        Path images = ImageFolderDatasetBuilder.in(tmp.resolve("shapes"))
                .classes(Pattern.HORIZONTAL_STRIPES, Pattern.DISC).seed(3).build();
        assertEquals(200, a.send("POST", "/api/repos/create", "application/json", "{\"name\":\"shared-shapes\",\"type\":\"dataset\"}").statusCode());
        HttpResponse<String> data = a.send("POST", "/api/datasets/admin/shared-shapes/commit/main", "application/x-ndjson", ndjson(images));
        assertEquals(200, data.statusCode(), data.body());

        HttpResponse<String> issued = a.send("POST", "/api/runner-credentials", "application/json", "{\"name\":\"node-b\"}");
        assertEquals(201, issued.statusCode(), issued.body());
        // it serves inference too, so that the model it trains is then served by a runner A has never seen
        try (RunnerProcess runner = RunnerProcess.start(b.base, "node-b", tmp.resolve("runner-b"),
                JSON.readTree(issued.body()).path("credential").asText(), Map.of(InferenceProtocol.SERVE_ENV, "1"))) {
            long runnerId = runner.awaitRegistration();
            HttpResponse<String> submitted = a.send("POST", "/api/jobs", "application/json",
                    "{\"recipe\":\"image-pretraining\",\"dataset\":\"admin/shared-shapes\",\"outputRepo\":\"admin/shared-cnn\","
                            + "\"params\":{\"epochs\":8,\"learning_rate\":0.003}}");
            assertEquals(201, submitted.statusCode(), submitted.body());
            long job = JSON.readTree(submitted.body()).path("id").asLong();

            boolean liveOnA = false;
            JsonNode state = JSON.readTree(a.get("/api/jobs/" + job).body());
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(180);
            while (JobState.of(state.path("state").asText()).active()) {
                assertTrue(System.nanoTime() < deadline, "job not done in 180 s: " + state + "\n" + runner.output());
                if (state.path("state").asText().equals(JobState.RUNNING.wire())
                        && !JSON.readTree(a.get("/api/jobs/" + job + "/metrics?name=loss").body()).isEmpty()) {
                    liveOnA = true;
                }
                Thread.sleep(100);
                state = JSON.readTree(a.get("/api/jobs/" + job).body());
            }
            assertEquals(JobState.SUCCEEDED.wire(), state.path("state").asText(), state + "\n" + runner.output());
            assertEquals(runnerId, state.path("runnerId").asLong(), "run by the runner that knows only B");
            assertTrue(liveOnA, "A served loss points while the runner, posting to B, was still training");
            assertEquals(200, a.get("/admin/shared-cnn/resolve/main/config.json").statusCode(), "its output commit, read on A");

            try (Stream<Path> files = Files.walk(images)) {
                byte[] image = Files.readAllBytes(files.filter(f -> f.toString().endsWith(".png")).sorted().findFirst().orElseThrow());
                inferenceOnAIsAnsweredByBsRunner(a, b, image, shared, runner);
            }
        }
    }

    /**
     * The trained model's inference API on both instances: B routes to its runner in memory, A (no runner polls it)
     * hands the request over through PostgreSQL to B; the same answer both ways, and no row left behind. Prints the
     * warm latency of both paths (docs/benchmarks.md, "Inference across hub instances").
     */
    private static void inferenceOnAIsAnsweredByBsRunner(ServerProcess a, ServerProcess b, byte[] image, Map<String, String> shared,
                                                         RunnerProcess runner) throws Exception {
        String path = "/models/admin/shared-cnn";
        HttpResponse<String> onB = b.sendBytes("POST", path, "image/png", image);
        assertEquals(200, onB.statusCode(), onB.body() + "\n" + runner.output());
        HttpResponse<String> onA = a.sendBytes("POST", path, "image/png", image);
        assertEquals(200, onA.statusCode(), "A's call answered by B's runner: " + onA.body() + "\n" + runner.output());
        assertEquals(onB.headers().firstValue("X-Repo-Commit"), onA.headers().firstValue("X-Repo-Commit"));
        JsonNode answerB = JSON.readTree(onB.body()), answerA = JSON.readTree(onA.body());
        assertEquals(2, answerB.size(), "one score per class: " + answerB);
        assertEquals(answerB.size(), answerA.size(), answerA.toString());
        for (int i = 0; i < answerB.size(); i++) {
            assertEquals(answerB.path(i).path("label").asText(), answerA.path(i).path("label").asText(), answerA.toString());
            assertEquals(answerB.path(i).path("score").asDouble(), answerA.path(i).path("score").asDouble(), 1e-6, answerA.toString());
        }

        // warm latency, the two paths interleaved so that the box's load falls on both alike
        int n = 20;
        long[] local = new long[n], relayed = new long[n];
        for (int i = 0; i < n; i++) {
            long t = System.nanoTime();
            assertEquals(200, b.sendBytes("POST", path, "image/png", image).statusCode());
            local[i] = System.nanoTime() - t;
            t = System.nanoTime();
            assertEquals(200, a.sendBytes("POST", path, "image/png", image).statusCode());
            relayed[i] = System.nanoTime() - t;
        }
        System.out.printf("Two instances: warm image-classification over %d calls each, p50/p95: on B (its runner, in memory) %.1f/%.1f ms, "
                + "on A (through PostgreSQL to B) %.1f/%.1f ms%n", n, pct(local, 50), pct(local, 95), pct(relayed, 50), pct(relayed, 95));

        try (Connection db = DriverManager.getConnection(shared.get("quarkus.datasource.jdbc.url"),
                shared.get("quarkus.datasource.username"), shared.get("quarkus.datasource.password"));
             ResultSet left = db.createStatement().executeQuery("select count(*) as n from inference_requests")) {
            left.next();
            assertEquals(0, left.getLong("n"), "every handed-over request's row is deleted once answered");
        }
    }

    private static double pct(long[] nanos, int p) {
        long[] sorted = nanos.clone();
        java.util.Arrays.sort(sorted);
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)] / 1e6;
    }

    /** Every file of {@code dir} in one NDJSON commit, inline (they are small images). */
    private static String ndjson(Path dir) throws Exception {
        List<String> lines = new ArrayList<>();
        lines.add("{\"key\":\"header\",\"value\":{\"summary\":\"shapes\"}}");
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                lines.add("{\"key\":\"file\",\"value\":{\"path\":\"" + dir.relativize(f).toString().replace('\\', '/')
                        + "\",\"encoding\":\"base64\",\"content\":\"" + Base64.getEncoder().encodeToString(Files.readAllBytes(f)) + "\"}}");
            }
        }
        return String.join("\n", lines) + "\n";
    }

    /** The instance's own count of blob GC sweeps, from its Prometheus metrics (absent before its first sweep). */
    private static double gcRuns(ServerProcess hub) throws Exception {
        HttpResponse<String> scrape = hub.sendWithToken("GET", "/q/metrics", METRICS_TOKEN);
        assertEquals(200, scrape.statusCode(), scrape.body());
        Matcher m = GC_RUNS.matcher(scrape.body());
        return m.find() ? Double.parseDouble(m.group(1)) : 0;
    }
}
