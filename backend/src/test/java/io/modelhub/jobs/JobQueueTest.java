package io.modelhub.jobs;

import io.modelhub.contract.RecipeDescriptor;
import io.modelhub.contract.RunnerProtocol;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.JobsApi;
import io.modelhub.testing.SimulatedRunner;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The queue with simulated runners over HTTP: validation, claims, leases, requeue, completion, cancel. */
@QuarkusTest
class JobQueueTest {
    static boolean created;

    @BeforeEach
    void inputsOnce() {
        if (created) {
            return;
        }
        created = true;
        SimulatedRunner.register("recipe-publisher", 0);
        HubApi.model("queue-base-cnn").file("config.json", "{\"model_type\":\"modelhub-cnn\",\"architectures\":[\"ModelHubCnn\"]}").create();
        HubApi.model("queue-text-model").file("config.json", "{\"model_type\":\"bert\"}").create();
        HubApi.dataset("queue-shapes").file("train/circle/1.png", new byte[]{1}).file("train/square/2.png", new byte[]{2})
                .file("test/circle/3.png", new byte[]{3}).file("test/square/4.png", new byte[]{4}).create();
        HubApi.dataset("queue-unlabelled").file("train/1.png", new byte[]{1}).file("train/2.png", new byte[]{2}).create();
        HubApi.dataset("queue-texts").file("train.csv", "text,label\nhi,1\n").create();
        HubApi.dataset("queue-flac").file("train/yes/1.flac", new byte[]{1}).file("train/no/2.wav", new byte[]{2}).create();
    }

    static Map<String, Object> spec(Object... kv) {
        Map<String, Object> m = new HashMap<>(Map.of("recipe", SimulatedRunner.IMAGE, "baseModel", "admin/queue-base-cnn",
                "dataset", "admin/queue-shapes"));
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    static io.restassured.response.Response submit(Map<String, Object> spec) {
        return HubApi.asAdmin().contentType("application/json").body(spec).post("/api/jobs");
    }

    @Test
    void invalidSpecsAreRefusedWithClearErrors() {
        submit(spec("recipe", "no-such-recipe")).then().statusCode(400).body("error", startsWith("Unknown recipe 'no-such-recipe'"));
        submit(spec("params", Map.of("learning_rate", 5.0))).then().statusCode(400)
                .body("error", equalTo("Parameter 'learning_rate' is 5.0; it must be between 0.000001 and 1"));
        submit(spec("params", Map.of("epochs", 2.5))).then().statusCode(400).body("error", containsString("whole number"));
        submit(spec("params", Map.of("warmup", 1))).then().statusCode(400).body("error", startsWith("Unknown parameter 'warmup'"));
        submit(spec("dataset", "admin/queue-unlabelled")).then().statusCode(400).body("error", containsString("has no labels"));
        submit(spec("baseModel", "admin/queue-text-model")).then().statusCode(400)
                .body("error", equalTo("Recipe '" + SimulatedRunner.IMAGE + "' (version 1) cannot take admin/queue-text-model as its base model: its "
                        + "config.json model_type is 'bert', and the recipe takes modelhub-cnn"));
        submit(spec("dataset", "admin/queue-texts")).then().statusCode(400).body("error", containsString("holds text files"));
        submit(spec("dataset", "admin/no-such-dataset")).then().statusCode(404);
        submit(spec("recipe", SimulatedRunner.AUDIO, "dataset", "admin/queue-flac")).then().statusCode(400)
                .body("error", containsString("has 1 compressed audio files (e.g. train/yes/1.flac): runners decode WAV only"));
        RestAssured.given().contentType("application/json").body(spec()).post("/api/jobs").then().statusCode(401);
    }

    @Test
    void jobNoRunnerCanTakeSaysWhy() {
        long id = submit(spec("gpus", 2, "priority", -100)).then().statusCode(201).extract().jsonPath().getLong("id");
        HubApi.asAdmin().get("/api/jobs/" + id).then().body("state", equalTo(JobState.QUEUED.wire()))
                .body("pendingReason", equalTo("Needs 2 GPUs; the largest runner has 0"));
        HubApi.asAdmin().post("/api/jobs/" + id + "/cancel").then().statusCode(200).body("state", equalTo(JobState.CANCELLED.wire()));
    }

    @Test
    void concurrentClaimsTakeDifferentJobsAndLeasesRequeueDeadRunners() throws Exception {
        SimulatedRunner a = SimulatedRunner.register("runner-a", 0);
        SimulatedRunner b = SimulatedRunner.register("runner-b", 0);
        long first = submit(spec("priority", 50)).then().statusCode(201).extract().jsonPath().getLong("id");
        long second = submit(spec("priority", 50)).then().statusCode(201).extract().jsonPath().getLong("id");
        CompletableFuture<Long> ca = CompletableFuture.supplyAsync(() -> a.claim(5));
        CompletableFuture<Long> cb = CompletableFuture.supplyAsync(() -> b.claim(5));
        Long ja = ca.get();
        Long jb = cb.get();
        assertNotNull(ja);
        assertNotNull(jb);
        assertNotEquals(ja, jb, "SKIP LOCKED: two runners never get the same job");
        assertTrue(List.of(first, second).containsAll(List.of(ja, jb)));

        // Runner a dies: no heartbeats. Its lease (4 s in tests) runs out and the job is queued again.
        b.heartbeat(jb).then().statusCode(200).body("lost", equalTo(false));
        long requeuedAt = System.nanoTime();
        Long retaken = null;
        while (retaken == null && System.nanoTime() - requeuedAt < Duration.ofSeconds(20).toNanos()) {
            b.heartbeat(jb);
            retaken = b.claim(1);
        }
        assertEquals(ja, retaken, "runner b takes over the dead runner's job");
        // b stays alive for jb as a real runner does, by heartbeating in the background: the steps below take longer
        // than the 4 s lease on a loaded machine, and jb must still be b's when the user cancels it
        ScheduledExecutorService keepAlive = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "runner-b-heartbeats");
            t.setDaemon(true);
            return t;
        });
        keepAlive.scheduleWithFixedDelay(() -> b.heartbeat(jb), 0, 500, TimeUnit.MILLISECONDS);
        HubApi.asAdmin().get("/api/jobs/" + ja).then().body("attempt", equalTo(2)).body("runnerId", equalTo((int) b.id()));
        a.heartbeat(ja).then().statusCode(200).body("lost", equalTo(true));

        // The late runner cannot deliver results; the new holder commits once.
        byte[] weights = io.modelhub.testing.Safetensors.builder().tensor("classifier.weight", "F32", 2, 8).build();
        a.output(ja, "model.safetensors", weights).then().statusCode(409);
        b.metrics(ja, List.of(new RunnerProtocol.MetricPoint(1, "loss", 0.5))).then().statusCode(204);
        b.output(ja, "model.safetensors", weights).then().statusCode(204);
        b.output(ja, "config.json", "{\"model_type\":\"modelhub-cnn\"}".getBytes()).then().statusCode(204);
        b.complete(ja, Map.of("test_accuracy", 0.9)).then().statusCode(204);
        HubApi.asAdmin().get("/api/jobs/" + ja).then().body("state", equalTo(JobState.SUCCEEDED.wire()));
        b.complete(ja, Map.of("test_accuracy", 0.9)).then().statusCode(409);
        a.complete(ja, Map.of("test_accuracy", 0.1)).then().statusCode(409);
        String output = HubApi.asAdmin().get("/api/jobs/" + ja).then().extract().path("outputRepo");
        HubApi.asAdmin().get("/api/models/" + output).then().statusCode(200)
                .body("cardData.base_model", equalTo("admin/queue-base-cnn"))
                .body("cardData.datasets[0]", equalTo("admin/queue-shapes"));
        int commitsOnMain = RestAssured.given().header("Authorization", "Bearer " + io.modelhub.testing.HubServicesResource.ADMIN_TOKEN)
                .get("/api/jobs/" + ja + "/logs").then().extract().jsonPath().getList("findAll { it.line.startsWith('Succeeded') }").size();
        assertEquals(1, commitsOnMain, "committed exactly once");
        HubApi.asAdmin().get("/api/jobs/" + ja + "/metrics").then().body("[0].name", equalTo("loss"));

        // The other job: the user cancels it; the runner hears it in its heartbeat answer and confirms.
        HubApi.asAdmin().post("/api/jobs/" + jb + "/cancel").then().statusCode(200).body("cancelRequested", equalTo(true));
        b.heartbeat(jb).then().body("cancel", equalTo(true));
        keepAlive.shutdownNow();
        assertTrue(keepAlive.awaitTermination(10, TimeUnit.SECONDS));
        b.fail(jb, "Cancelled by the user", true).then().statusCode(204);
        HubApi.asAdmin().get("/api/jobs/" + jb).then().body("state", equalTo(JobState.CANCELLED.wire()));
        HubApi.asAdmin().post("/api/jobs/" + jb + "/retry").then().statusCode(200).body("state", equalTo(JobState.QUEUED.wire()));
        assertEquals(jb, b.claim(5));
        b.fail(jb, "gave up", false).then().statusCode(204);
        assertNull(b.claim(0));
    }

    @Inject
    JobWakeups wakeups;

    @Test
    void aQueuedJobWakesOnlyAWaitingClaimThatCanTakeIt() throws Exception {
        // a recipe of this test's own: no job another test class left queued matches these runners
        RecipeDescriptor recipe = new RecipeDescriptor("sim-wake-image", "1", "vision", "image-classification", true, true,
                SimulatedRunner.IMAGE_RECIPE.parameters(), SimulatedRunner.IMAGE_RECIPE.modelTypes());
        SimulatedRunner cpu = SimulatedRunner.register("wake-cpu", 0, List.of(recipe));
        SimulatedRunner gpu = SimulatedRunner.register("wake-gpu", 1, List.of(recipe));
        CompletableFuture<Long> cpuClaim = CompletableFuture.supplyAsync(() -> cpu.claim(20));
        CompletableFuture<Long> gpuClaim = CompletableFuture.supplyAsync(() -> gpu.claim(20));
        long until = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!(wakeups.waiting(cpu.id()) && wakeups.waiting(gpu.id())) && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        long cpuBefore = wakeups.delivered(cpu.id());
        long gpuBefore = wakeups.delivered(gpu.id());

        long gpuJob = submit(spec("recipe", recipe.id(), "gpus", 1)).then().statusCode(201).extract().jsonPath().getLong("id");
        assertEquals(gpuJob, gpuClaim.get(15, TimeUnit.SECONDS));
        assertEquals(1, wakeups.delivered(gpu.id()) - gpuBefore, "the GPU runner's claim was woken once");
        assertEquals(0, wakeups.delivered(cpu.id()) - cpuBefore, "the CPU runner's claim was not woken: it cannot take the job");
        assertFalse(cpuClaim.isDone());

        long anyJob = submit(spec("recipe", recipe.id())).then().statusCode(201).extract().jsonPath().getLong("id");
        assertEquals(anyJob, cpuClaim.get(15, TimeUnit.SECONDS));
        assertEquals(1, wakeups.delivered(cpu.id()) - cpuBefore);
        gpu.fail(gpuJob, "done", false).then().statusCode(204);
        cpu.fail(anyJob, "done", false).then().statusCode(204);
    }

    @Test
    void resumeKeepsTheCheckpointRetryFromScratchDropsItAndTheTimelineRecordsBoth() {
        SimulatedRunner r = SimulatedRunner.register("runner-resume", 0);
        long job = submit(spec("priority", 90, "outputRepo", "admin/queue-resumed")).then().statusCode(201).extract().jsonPath().getLong("id");
        assertEquals(job, r.claimDetails(5).jobId());
        r.checkpoint(job, 1, 10, new byte[]{1, 2, 3}).then().statusCode(204);
        List<RunnerProtocol.MetricPoint> points = new java.util.ArrayList<>();
        for (int step = 1; step <= 1000; step++) {
            points.add(new RunnerProtocol.MetricPoint(step, "loss", step == 500 ? 99.0 : 1.0 / step));
        }
        r.metrics(job, points).then().statusCode(204);
        r.fail(job, "out of memory", false).then().statusCode(204);

        // Downsampled for display: bounded, first and last kept, the spike kept.
        List<Integer> steps = HubApi.asAdmin().get("/api/jobs/" + job + "/metrics?name=loss&maxPoints=50").then().statusCode(200)
                .extract().jsonPath().getList("step", Integer.class);
        assertEquals(50, steps.size());
        assertEquals(1, steps.get(0));
        assertEquals(1000, steps.get(49));
        assertTrue(steps.contains(500), "the spike survives downsampling");
        HubApi.asAdmin().get("/api/jobs/" + job + "/metrics?maxPoints=1").then().statusCode(400).body("error", containsString("maxPoints"));

        // Resume: the next claim hands over the checkpoint.
        HubApi.asAdmin().post("/api/jobs/" + job + "/retry").then().statusCode(200).body("state", equalTo(JobState.QUEUED.wire()));
        RunnerProtocol.Claim resumed = r.claimDetails(5);
        assertEquals(job, resumed.jobId());
        assertEquals(1, resumed.latestCheckpoint().epoch());
        r.fail(job, "failed again", false).then().statusCode(204);

        // From scratch: no checkpoint with the claim.
        HubApi.asAdmin().post("/api/jobs/" + job + "/retry?from=scratch").then().statusCode(200).body("state", equalTo(JobState.QUEUED.wire()));
        RunnerProtocol.Claim fresh = r.claimDetails(5);
        assertEquals(job, fresh.jobId());
        assertNull(fresh.latestCheckpoint());
        r.fail(job, "cancelled, it says, though nobody asked", false).then().statusCode(204);
        HubApi.asAdmin().post("/api/jobs/" + job + "/retry?from=nowhere").then().statusCode(400);

        List<String> timeline = HubApi.asAdmin().get("/api/jobs/" + job + "/events").then().statusCode(200)
                .extract().jsonPath().getList("state", String.class);
        List<JobState> attempt = List.of(JobState.QUEUED, JobState.RUNNING, JobState.FAILED);
        assertEquals(java.util.Collections.nCopies(3, attempt).stream().flatMap(List::stream).map(JobState::wire).toList(), timeline);

        // The list filters by model (base or output), sorts and pages, with the total in a header.
        var page = HubApi.asAdmin().get("/api/jobs?model=admin/queue-resumed&limit=1");
        page.then().statusCode(200).header("X-Total-Count", "1").body("[0].id", equalTo((int) job));
        HubApi.asAdmin().get("/api/jobs?model=admin/queue-base-cnn&sort=priority&direction=desc&limit=1").then()
                .statusCode(200).body("[0].priority", equalTo(90));
        HubApi.asAdmin().get("/api/jobs?sort=color").then().statusCode(400).body("error", startsWith("Unknown sort"));
    }

    @Inject
    JobService jobService;

    @Test
    void aLivePageReadsOnlyNewPointsAndSeesWhatAFullReadSees() {
        SimulatedRunner r = SimulatedRunner.register("runner-series", 0);
        long job = submit(spec("priority", 95)).then().statusCode(201).extract().jsonPath().getLong("id");
        assertEquals(job, r.claimDetails(5).jobId());
        io.modelhub.accounts.Viewer admin = io.modelhub.accounts.Viewer.session(admin());
        MetricSeries live = new MetricSeries();
        r.metrics(job, List.of(new RunnerProtocol.MetricPoint(1, "loss", 0.9), new RunnerProtocol.MetricPoint(2, "loss", 0.8)))
                .then().statusCode(204);
        long v1 = jobService.readNew(admin, job, null, live).version();
        // the epoch's validation metric lands at the step already read for loss: it must still be picked up
        r.metrics(job, List.of(new RunnerProtocol.MetricPoint(2, "val_accuracy", 0.5), new RunnerProtocol.MetricPoint(3, "loss", 0.7)))
                .then().statusCode(204);
        long v2 = jobService.readNew(admin, job, null, live).version();
        assertTrue(v2 > v1, "new points change the version");
        assertEquals(v2, jobService.readNew(admin, job, null, live).version(), "nothing new, nothing to redraw");
        assertEquals(3, live.size("loss"));
        assertEquals(1, live.size("val_accuracy"));
        assertEquals(jobService.series(admin, job, null, 0), live.downsampled(0), "incremental reads add up to a full read");
        HubApi.asAdmin().post("/api/jobs/" + job + "/cancel").then().statusCode(200).body("cancelRequested", equalTo(true));

        // The runner never confirms the cancel (no more heartbeats): when its lease runs out the job ends cancelled, as
        // asked, instead of going back to the queue where another runner would claim it.
        JsonPath ended = JobsApi.awaitFinished(job, 30);
        assertEquals(JobState.CANCELLED.wire(), ended.getString("state"));
        assertTrue(JobsApi.logs(job).contains("after the cancel was asked: cancelled"), JobsApi.logs(job));
    }

    static io.modelhub.accounts.Account admin() {
        return io.quarkus.narayana.jta.QuarkusTransaction.requiringNew().call(
                () -> io.modelhub.accounts.Account.findByUsername("admin").orElseThrow());
    }
}
