package io.modelhub.runners;

import io.modelhub.jobs.JobState;
import io.modelhub.accounts.AccountService;
import io.modelhub.contract.ModelTypes;
import io.modelhub.contract.ParamSpec;
import io.modelhub.contract.RecipeDescriptor;
import io.modelhub.contract.RunnerProtocol;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.SimulatedRunner;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The runner side of the queue is not trusted blindly: each reproduction of issue 12, played by a second, non-admin
 * account, is refused with a clear status and writes nothing.
 */
@QuarkusTest
class RunnerTrustTest {
    /**
     * An "evaluate" recipe newer than the real runners', so the evaluation below is pinned to it while its simulated
     * runner is online (the test takes that runner offline at its end, and real evaluations go back to version 1).
     */
    static final RecipeDescriptor EVALUATE = new RecipeDescriptor("evaluate", "999", "any", "evaluation", true, false,
            List.of(ParamSpec.choice("split", "test", null, "split"), ParamSpec.choice("metric", "accuracy", null, "metric"),
                    ParamSpec.integer("seed", 42, 0, Integer.MAX_VALUE, "seed")), List.of(ModelTypes.CNN));
    static boolean created;
    static String mallory;
    static String malloryRead;

    @Inject
    AccountService accounts;

    @BeforeEach
    void once() {
        if (created) {
            return;
        }
        created = true;
        long id = accounts.createUser("mallory", "mallory-password", "Mallory", null, false).id;
        mallory = accounts.createToken(id, "laptop", "write");
        malloryRead = accounts.createToken(id, "ci", "read");
        HubApi.model("trust-base-cnn").file("config.json", "{\"model_type\":\"modelhub-cnn\"}").create();
        HubApi.dataset("trust-private-shapes").privateRepo().file("train/circle/1.png", new byte[]{1})
                .file("train/square/2.png", new byte[]{2}).file("test/circle/3.png", new byte[]{3})
                .file("test/square/4.png", new byte[]{4}).create();
        HubApi.model("trust-secret-model").privateRepo().file("config.json", "{\"model_type\":\"modelhub-cnn\"}")
                .file("secret.txt", "the admin's secret").create();
    }

    private static Map<String, Object> imageJob(String output) {
        Map<String, Object> spec = new HashMap<>(Map.of("recipe", SimulatedRunner.IMAGE, "baseModel", "admin/trust-base-cnn",
                "dataset", "admin/trust-private-shapes", "priority", 1000));
        if (output != null) {
            spec.put("outputRepo", output);
        }
        return spec;
    }

    private static long submit(Map<String, Object> spec) {
        return HubApi.asAdmin().contentType("application/json").body(spec).post("/api/jobs").then().statusCode(201)
                .extract().jsonPath().getLong("id");
    }

    private static String path(String template, long runner, long job, int attempt) {
        return RunnerProtocol.ROOT + template.replace("{runner}", Long.toString(runner)).replace("{job}", Long.toString(job))
                .replace("{attempt}", Integer.toString(attempt));
    }

    @Test
    void aUsersTokenIsNoRunnerCredential() {
        SimulatedRunner real = SimulatedRunner.register("trust-real", 0);
        long runnersBefore = HubApi.asAdmin().get("/api/runners").jsonPath().getList("$").size();
        RunnerProtocol.Registration registration = new RunnerProtocol.Registration("fake", List.of(), 0, 0, 2, 1L << 30,
                List.of(SimulatedRunner.IMAGE_RECIPE));
        for (String token : List.of(mallory, malloryRead, io.modelhub.testing.HubServicesResource.ADMIN_TOKEN)) {
            HubApi.as(token).contentType("application/json").body(registration).post(RunnerProtocol.ROOT + RunnerProtocol.REGISTER)
                    .then().statusCode(403).body("error", containsString("User tokens cannot make runner calls"));
        }
        RestAssured.given().contentType("application/json").body(registration).post(RunnerProtocol.ROOT + RunnerProtocol.REGISTER)
                .then().statusCode(401).body("error", containsString("runner credential"));
        HubApi.as("mhr_" + "x".repeat(40)).contentType("application/json").body(registration)
                .post(RunnerProtocol.ROOT + RunnerProtocol.REGISTER).then().statusCode(401);
        assertEquals(runnersBefore, HubApi.asAdmin().get("/api/runners").jsonPath().getList("$").size(), "no runner was registered");

        // The admin's job, held by an enrolled runner: a user's token can claim nothing, upload nothing, complete nothing.
        String output = "admin/trust-output-" + System.nanoTime();
        long job = submit(imageJob(output));
        HubApi.as(mallory).post(path(RunnerProtocol.CLAIM, real.id(), 0, 0) + "?wait=0").then().statusCode(403);
        assertEquals(job, real.claim(5));
        int attempt = real.attempt(job);
        HubApi.as(mallory).contentType("application/octet-stream").body("evil".getBytes())
                .put(path(RunnerProtocol.OUTPUT, real.id(), job, attempt).replace("{path: .+}", "model.safetensors")).then().statusCode(403);
        HubApi.as(mallory).contentType("application/json").body(new RunnerProtocol.Completion(Map.of("test_accuracy", 1.0), Map.of()))
                .post(path(RunnerProtocol.COMPLETE, real.id(), job, attempt)).then().statusCode(403);
        // Another enrolled runner that does not hold the job cannot either.
        SimulatedRunner other = SimulatedRunner.register("trust-other", 0);
        HubApi.as(other.credential()).contentType("application/json").body(new RunnerProtocol.Completion(Map.of(), Map.of()))
                .post(path(RunnerProtocol.COMPLETE, real.id(), job, attempt)).then().statusCode(403)
                .body("error", containsString("belongs to runner " + other.id()));
        HubApi.as(other.credential()).contentType("application/json").body(new RunnerProtocol.Completion(Map.of(), Map.of()))
                .post(path(RunnerProtocol.COMPLETE, other.id(), job, attempt)).then().statusCode(409);
        HubApi.asAdmin().get("/api/models/" + output).then().statusCode(404);
        HubApi.asAdmin().get("/api/jobs/" + job).then().body("state", equalTo(JobState.RUNNING.wire()));
        real.fail(job, "test over", false).then().statusCode(204);

        // A runner credential is no user: it reads no repository, public or private.
        HubApi.as(real.credential()).get("/api/models/admin/trust-base-cnn").then().statusCode(403)
                .body("error", containsString("runner credential can only make runner calls"));
        HubApi.as(real.credential()).get("/admin/trust-base-cnn/resolve/main/config.json").then().statusCode(403);
    }

    @Test
    void aFakeScoreNeverReachesALeaderboard() {
        SimulatedRunner evaluator = SimulatedRunner.register("trust-evaluator", 0, List.of(EVALUATE));
        try {
            HubApi.dataset("trust-bench-data").file("test/circle/1.png", new byte[]{1}).file("test/square/2.png", new byte[]{2})
                    .file("train/circle/3.png", new byte[]{3}).file("train/square/4.png", new byte[]{4}).create();
            long benchmark = HubApi.asAdmin().contentType("application/json").body(Map.of("name", "trust-accuracy",
                            "task", "image-classification", "dataset", "admin/trust-bench-data", "split", "test", "metric", "accuracy"))
                    .post("/api/benchmarks").then().statusCode(201).extract().jsonPath().getLong("id");
            long evaluation = HubApi.asAdmin().contentType("application/json").body(Map.of("model", "admin/trust-base-cnn"))
                    .post("/api/benchmarks/" + benchmark + "/evaluations").then().statusCode(201).extract().jsonPath().getLong("id");
            long job = HubApi.asAdmin().get("/api/evaluations/" + evaluation).jsonPath().getLong("jobId");
            assertEquals(job, evaluator.claim(5));
            int attempt = evaluator.attempt(job);
            RunnerProtocol.Completion fake = new RunnerProtocol.Completion(Map.of("score", 0.9999, "accuracy", 0.9999), Map.of());
            HubApi.as(mallory).contentType("application/json").body(fake).post(path(RunnerProtocol.COMPLETE, evaluator.id(), job, attempt))
                    .then().statusCode(403);
            SimulatedRunner bystander = SimulatedRunner.register("trust-bystander", 0);
            HubApi.as(bystander.credential()).contentType("application/json").body(fake)
                    .post(path(RunnerProtocol.COMPLETE, bystander.id(), job, attempt)).then().statusCode(409);
            HubApi.asAdmin().get("/api/benchmarks/" + benchmark + "/leaderboard").then().statusCode(200)
                    .body("entries.size()", equalTo(0));
            HubApi.asAdmin().get("/api/evaluations/" + evaluation).then().body("score", nullValue());

            // Only the lease holder's completion of the evaluate job is recorded (the score the runner computed).
            evaluator.complete(job, Map.of("score", 0.5, "accuracy", 0.5)).then().statusCode(204);
            JsonPath board = HubApi.asAdmin().get("/api/benchmarks/" + benchmark + "/leaderboard").jsonPath();
            assertEquals(List.of(0.5), board.getList("entries.score", Double.class));
            assertEquals(List.of(true), board.getList("entries.verified", Boolean.class));
        } finally {
            HubApi.as(evaluator.credential()).post(RunnerProtocol.ROOT + RunnerProtocol.OFFLINE.replace("{runner}", Long.toString(evaluator.id())));
        }
    }

    @Test
    void aRunnerReadsOnlyThePinnedInputsAndCheckpointsOfTheJobItHolds() {
        SimulatedRunner runner = SimulatedRunner.register("trust-reader", 0);
        long job = submit(imageJob(null));
        RunnerProtocol.Claim claim = runner.claimDetails(5);
        assertEquals(job, claim.jobId());
        assertEquals(List.of(RunnerProtocol.BASE_MODEL, RunnerProtocol.DATASET), claim.inputs().stream().map(RunnerProtocol.JobInput::role).toList());
        List<RunnerProtocol.InputListing> inputs = List.of(runner.inputs(job).then().statusCode(200).extract()
                .as(RunnerProtocol.InputListing[].class));
        RunnerProtocol.InputListing dataset = inputs.stream().filter(i -> i.role().equals(RunnerProtocol.DATASET)).findFirst().orElseThrow();
        assertEquals("admin/trust-private-shapes", dataset.repo());
        assertEquals(4, dataset.files().stream().filter(f -> f.path().endsWith(".png")).count());
        // the pinned private dataset is readable for the job, with ranges for resumed downloads
        runner.inputFile(job, RunnerProtocol.DATASET, "train/circle/1.png").then().statusCode(200).header("Content-Length", "1");
        byte[] tail = runner.as(runner.credential()).header("Range", "bytes=0-0")
                .get(runner.lease(RunnerProtocol.INPUT_FILE, job).replace("{role}", "dataset").replace("{path: .+}", "train/square/2.png"))
                .then().statusCode(206).extract().asByteArray();
        assertEquals(2, tail[0]);
        // nothing outside the job's pinned inputs: not another repo's files, not another role
        runner.inputFile(job, RunnerProtocol.DATASET, "secret.txt").then().statusCode(404);
        runner.inputFile(job, "tower_a", "secret.txt").then().statusCode(404);
        runner.inputFile(job, RunnerProtocol.BASE_MODEL, "../trust-secret-model/secret.txt").then().statusCode(404);
        // the same rule for the archive of many files: the pinned files in the order asked, nothing else
        List<String> pngs = List.of("train/square/2.png", "test/circle/3.png", "train/circle/1.png");
        assertEquals(Map.of("train/square/2.png", 2, "test/circle/3.png", 3, "train/circle/1.png", 1),
                untar(runner.inputArchive(job, RunnerProtocol.DATASET, pngs).then().statusCode(200)
                        .contentType(RunnerProtocol.ARCHIVE_TYPE).extract().asByteArray()));
        runner.inputArchive(job, RunnerProtocol.DATASET, List.of("train/circle/1.png", "secret.txt")).then().statusCode(404)
                .body("error", containsString("secret.txt"));
        runner.inputArchive(job, RunnerProtocol.BASE_MODEL, List.of("../trust-secret-model/secret.txt")).then().statusCode(404);
        runner.inputArchive(job, "tower_a", pngs).then().statusCode(404);
        runner.inputArchive(job, RunnerProtocol.DATASET, List.of()).then().statusCode(400);
        // checkpoints: only this job's, by epoch; the old read-any-blob-by-sha256 path is gone
        runner.checkpointBytes(job, 1).then().statusCode(404).body("error", containsString("has no checkpoint of epoch 1"));
        runner.checkpoint(job, 1, 10, new byte[]{7, 7}).then().statusCode(204);
        assertEquals(2, runner.checkpointBytes(job, 1).then().statusCode(200).extract().asByteArray().length);
        HubApi.as(runner.credential()).get(RunnerProtocol.ROOT + "/" + runner.id() + "/jobs/" + job + "/checkpoints/"
                + "0".repeat(64)).then().statusCode(404);
        // a job this runner does not hold: nothing at all
        long notHeld = submit(imageJob(null));
        runner.inputs(notHeld).then().statusCode(409);
        runner.inputArchive(notHeld, RunnerProtocol.DATASET, pngs).then().statusCode(409);
        HubApi.as(runner.credential()).get(path(RunnerProtocol.INPUTS, runner.id(), notHeld, 1)).then().statusCode(409);
        runner.fail(job, "test over", false).then().statusCode(204);
        HubApi.asAdmin().post("/api/jobs/" + notHeld + "/cancel").then().statusCode(200);
    }

    /** Entry name to its one byte, in the archive's order. */
    private static Map<String, Integer> untar(byte[] archive) {
        Map<String, Integer> entries = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(archive))) {
            TarArchiveEntry entry;
            while ((entry = tar.getNextEntry()) != null) {
                byte[] bytes = tar.readAllBytes();
                assertEquals(1, bytes.length, entry.getName());
                entries.put(entry.getName(), (int) bytes[0]);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        assertEquals(List.of("train/square/2.png", "test/circle/3.png", "train/circle/1.png"), List.copyOf(entries.keySet()));
        return entries;
    }

    @Test
    void aPublishedRecipeVersionIsNeverRewritten() {
        SimulatedRunner.register("trust-publisher", 0);
        RecipeDescriptor evil = new RecipeDescriptor(SimulatedRunner.IMAGE, "1", "vision", "image-classification", true, true,
                List.of(ParamSpec.number("learning_rate", 0.001, 1e-6, 1.0, "step size"),
                        ParamSpec.integer("epochs", 3, 1, Integer.MAX_VALUE, "passes over the data")), List.of(ModelTypes.CNN));
        String credential = HubApi.issueRunnerCredential("trust-rewriter");
        HubApi.as(credential).contentType("application/json")
                .body(new RunnerProtocol.Registration("rewriter", List.of(), 0, 0, 2, 1L << 30, List.of(evil)))
                .post(RunnerProtocol.ROOT + RunnerProtocol.REGISTER).then().statusCode(409)
                .body("error", containsString("already published with a different schema"));
        HubApi.as(mallory).contentType("application/json")
                .body(new RunnerProtocol.Registration("rewriter", List.of(), 0, 0, 2, 1L << 30, List.of(evil)))
                .post(RunnerProtocol.ROOT + RunnerProtocol.REGISTER).then().statusCode(403);
        JsonPath recipes = RestAssured.get("/api/recipes").jsonPath();
        assertEquals(100.0, recipes.getDouble("find { it.id == '" + SimulatedRunner.IMAGE + "' }.parameters.find { it.name == 'epochs' }.max"));
        HubApi.asAdmin().contentType("application/json").body(new HashMap<>(Map.of("recipe", SimulatedRunner.IMAGE,
                        "baseModel", "admin/trust-base-cnn", "dataset", "admin/trust-private-shapes", "params", Map.of("epochs", 1000000000))))
                .post("/api/jobs").then().statusCode(400).body("error", equalTo("Parameter 'epochs' is 1000000000; it must be between 1 and 100"));
    }

    @Test
    void runnersAreListedToSignedInUsersOnly() {
        SimulatedRunner runner = SimulatedRunner.register("trust-listed", 0);
        long job = submit(imageJob(null));
        assertEquals(job, runner.claim(5));
        RestAssured.get("/api/runners").then().statusCode(401);
        JsonPath asUser = HubApi.as(malloryRead).get("/api/runners").then().statusCode(200).extract().jsonPath();
        Map<String, Object> seen = asUser.getMap("find { it.id == " + runner.id() + " }");
        assertNotNull(seen);
        assertNull(seen.get("owner"), "who enrolled a runner is for admins");
        assertNull(seen.get("currentJob"), "another user's job is not shown");
        JsonPath asAdmin = HubApi.asAdmin().get("/api/runners").jsonPath();
        assertEquals("admin", asAdmin.getString("find { it.id == " + runner.id() + " }.owner"));
        assertEquals(job, asAdmin.getLong("find { it.id == " + runner.id() + " }.currentJob"));
        HubApi.as(mallory).get("/api/runner-credentials").then().statusCode(403);
        HubApi.as(mallory).contentType("application/json").body(Map.of("name", "mine")).post("/api/runner-credentials").then().statusCode(403);
        runner.fail(job, "test over", false).then().statusCode(204);
    }

    @Test
    void revokingACredentialStopsItsRunnerAndRequeuesItsJob() {
        SimulatedRunner runner = SimulatedRunner.register("trust-revoked", 0);
        long job = submit(imageJob(null));
        assertEquals(job, runner.claim(5));
        long credentialId = HubApi.asAdmin().get("/api/runner-credentials").jsonPath()
                .getLong("find { it.runnerId == " + runner.id() + " }.id");
        HubApi.as(mallory).delete("/api/runner-credentials/" + credentialId).then().statusCode(403);
        HubApi.asAdmin().delete("/api/runner-credentials/" + credentialId).then().statusCode(204);
        runner.heartbeat(job).then().statusCode(401).body("error", containsString("revoked"));
        JsonPath state = HubApi.asAdmin().get("/api/jobs/" + job).jsonPath();
        assertEquals(JobState.QUEUED.wire(), state.getString("state"), "the revoked runner's job goes back to the queue");
        assertEquals(0, state.getInt("attempt"), "the attempt does not count against the job");
        assertTrue(HubApi.asAdmin().get("/api/jobs/" + job + "/logs").jsonPath().getList("line", String.class).stream()
                .anyMatch(l -> l.contains("its runner credential was revoked")));
        HubApi.asAdmin().post("/api/jobs/" + job + "/cancel").then().statusCode(200);
    }

    @Test
    void rollingUpgradeRunnersOfTwoVersionsEachTakeTheirOwnJobs() {
        RecipeDescriptor v1 = new RecipeDescriptor("sim-rolling", "1", "vision", "image-classification", true, true,
                List.of(ParamSpec.integer("epochs", 3, 1, 100, "passes")), List.of(ModelTypes.CNN));
        RecipeDescriptor v2 = new RecipeDescriptor("sim-rolling", "2", "vision", "image-classification", true, true,
                List.of(ParamSpec.integer("epochs", 3, 1, 100, "passes"), ParamSpec.number("warmup", 0.1, 0, 1, "warm-up share")),
                List.of(ModelTypes.CNN));
        SimulatedRunner old = SimulatedRunner.register("trust-v1", 0, List.of(v1));
        SimulatedRunner upgraded = SimulatedRunner.register("trust-v2", 0, List.of(v2));
        Map<String, Object> spec = new HashMap<>(Map.of("recipe", "sim-rolling", "baseModel", "admin/trust-base-cnn",
                "dataset", "admin/trust-private-shapes", "priority", 1000));
        spec.put("recipeVersion", "1");
        long pinnedToV1 = submit(spec);
        spec.put("recipeVersion", "2");
        spec.put("params", Map.of("warmup", 0.2));
        long pinnedToV2 = submit(spec);
        spec.remove("recipeVersion");
        HubApi.asAdmin().get("/api/jobs/" + submit(spec)).then().body("recipeVersion", equalTo("2"));
        spec.put("recipeVersion", "1");
        HubApi.asAdmin().contentType("application/json").body(spec).post("/api/jobs").then().statusCode(400)
                .body("error", containsString("Unknown parameter 'warmup'"));

        assertEquals(pinnedToV1, old.claim(5), "the v1 runner takes the v1 job");
        assertNull(old.claim(1), "and nothing of v2");
        assertEquals(pinnedToV2, upgraded.claim(5), "the v2 runner takes the v2 job");
        // a v1 runner registering again does not touch v2's schema
        HubApi.as(old.credential()).contentType("application/json")
                .body(new RunnerProtocol.Registration("trust-v1", List.of(), 0, 0, 2, 1L << 30, List.of(v1)))
                .post(RunnerProtocol.ROOT + RunnerProtocol.REGISTER).then().statusCode(200);
        assertEquals("2", RestAssured.get("/api/recipes").jsonPath().getString("find { it.id == 'sim-rolling' }.version"));
        HubApi.asAdmin().get("/api/jobs/" + pinnedToV1).then().body("state", equalTo(JobState.QUEUED.wire()))
                .body("pendingReason", containsString("Waiting"));
        for (SimulatedRunner r : List.of(old, upgraded)) {
            HubApi.as(r.credential()).post(RunnerProtocol.ROOT + RunnerProtocol.OFFLINE.replace("{runner}", Long.toString(r.id())));
        }
    }
}
