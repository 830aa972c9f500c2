package io.modelhub.jobs;

import io.modelhub.accounts.AccountService;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.SimulatedRunner;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** What a submitter may ask of the queue, what a job's output inherits, and how a broken body is answered. */
@QuarkusTest
class JobPolicyTest {
    static boolean created;
    static String user;

    @Inject
    AccountService accounts;

    @BeforeEach
    void once() {
        if (created) {
            return;
        }
        created = true;
        user = accounts.createToken(accounts.createUser("peggy", "peggy-password", "Peggy", null, false).id, "laptop", "write");
        HubApi.model("policy-base-cnn").file("config.json", "{\"model_type\":\"modelhub-cnn\"}").create();
        HubApi.dataset("policy-public-shapes").file("train/circle/1.png", new byte[]{1}).file("train/square/2.png", new byte[]{2}).create();
        HubApi.dataset("policy-private-shapes").privateRepo().file("train/circle/1.png", new byte[]{1})
                .file("train/square/2.png", new byte[]{2}).create();
    }

    private static Map<String, Object> spec(String dataset, String output, Object... kv) {
        Map<String, Object> m = new HashMap<>(Map.of("recipe", SimulatedRunner.IMAGE, "baseModel", "admin/policy-base-cnn",
                "dataset", dataset, "outputRepo", output, "priority", 2000));
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    @Test
    void usersQueueWithinABoundedPriority() {
        SimulatedRunner.register("policy-publisher", 0);
        Map<String, Object> jump = spec("admin/policy-public-shapes", "peggy/jump", "priority", Integer.MAX_VALUE);
        HubApi.as(user).contentType("application/json").body(jump).post("/api/jobs").then().statusCode(403)
                .body("error", equalTo("Priority must be between -100 and 100; only admins queue a job beyond that, got 2147483647"));
        long id = HubApi.as(user).contentType("application/json").body(spec("admin/policy-public-shapes", "peggy/fair", "priority", 100))
                .post("/api/jobs").then().statusCode(201).extract().jsonPath().getLong("id");
        HubApi.as(user).post("/api/jobs/" + id + "/cancel").then().statusCode(200);
    }

    @Test
    void outputsInheritThePrivacyOfTheirInputs() {
        SimulatedRunner runner = SimulatedRunner.register("policy-runner", 0);
        String fromPrivate = "admin/policy-from-private-" + System.nanoTime();
        String asked = "admin/policy-asked-private-" + System.nanoTime();
        String open = "admin/policy-public-" + System.nanoTime();
        for (Map<String, Object> spec : new Map[] {spec("admin/policy-private-shapes", fromPrivate),
                spec("admin/policy-public-shapes", asked, "privateOutput", true), spec("admin/policy-public-shapes", open)}) {
            long job = HubApi.asAdmin().contentType("application/json").body(spec).post("/api/jobs").then().statusCode(201)
                    .extract().jsonPath().getLong("id");
            assertEquals(job, runner.claim(5));
            runner.output(job, "config.json", "{\"model_type\":\"modelhub-cnn\"}".getBytes()).then().statusCode(204);
            runner.complete(job, Map.of("test_accuracy", 0.5)).then().statusCode(204);
        }
        for (String repo : new String[] {fromPrivate, asked}) {
            RestAssured.get("/api/models/" + repo).then().statusCode(404);
            HubApi.as(user).get("/api/models/" + repo).then().statusCode(404);
            HubApi.asAdmin().get("/api/models/" + repo).then().statusCode(200).body("private", equalTo(true));
        }
        RestAssured.get("/api/models/" + open).then().statusCode(200).body("private", equalTo(false));
    }

    @Test
    void makingAnInputPrivateNamesThePublicModelsTrainedOnIt() {
        SimulatedRunner runner = SimulatedRunner.register("policy-deriver", 0);
        long n = System.nanoTime();
        String data = "policy-later-private-" + n;
        HubApi.dataset(data).file("train/circle/1.png", new byte[]{1}).file("train/square/2.png", new byte[]{2}).create();
        String first = "admin/policy-first-" + n;
        String second = "admin/policy-second-" + n;
        Map<String, Object> fineTuneOfFirst = spec("admin/policy-public-shapes", second);
        fineTuneOfFirst.put("baseModel", first);
        for (Map<String, Object> spec : List.of(spec("admin/" + data, first), fineTuneOfFirst)) {
            long job = HubApi.asAdmin().contentType("application/json").body(spec).post("/api/jobs").then().statusCode(201)
                    .extract().jsonPath().getLong("id");
            assertEquals(job, runner.claim(5));
            runner.output(job, "config.json", "{\"model_type\":\"modelhub-cnn\"}".getBytes()).then().statusCode(204);
            runner.complete(job, Map.of("test_accuracy", 0.5)).then().statusCode(204);
        }

        HubApi.asAdmin().contentType("application/json").body(Map.of("private", true))
                .put("/api/datasets/admin/" + data + "/settings").then().statusCode(200)
                .body("publicDerivatives", equalTo(List.of(first, second)));
        HubApi.asAdmin().contentType("application/json").body(Map.of("private", true))
                .put("/api/models/" + first + "/settings").then().statusCode(200)
                .body("publicDerivatives", equalTo(List.of(second)));
        HubApi.asAdmin().contentType("application/json").body(Map.of("private", true))
                .put("/api/models/" + second + "/settings").then().statusCode(200).body("publicDerivatives", nullValue());
        HubApi.asAdmin().contentType("application/json").body(Map.of("private", false))
                .put("/api/datasets/admin/" + data + "/settings").then().statusCode(200).body("publicDerivatives", nullValue());
    }

    @Test
    void aBrokenBodyIsA400SayingWhatIsWrong() {
        HubApi.asAdmin().contentType("application/json").body("{\"recipe\": \"x\", ").post("/api/jobs").then().statusCode(400)
                .body("error", startsWith("Malformed JSON body"));
        HubApi.asAdmin().contentType("application/json").body("{\"recipe\": [1, 2]}").post("/api/jobs").then().statusCode(400)
                .body("error", containsString("recipe"));
        HubApi.asAdmin().contentType("application/json").body("not json at all").post("/api/benchmarks").then().statusCode(400)
                .body("error", startsWith("Malformed JSON body"));
    }
}
