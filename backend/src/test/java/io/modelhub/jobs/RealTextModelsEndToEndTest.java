package io.modelhub.jobs;

import io.modelhub.storage.imports.OnnxBertImport;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.RealModelsProfile;
import io.modelhub.testing.RunnerProcess;
import io.modelhub.testing.SpamAssassinMail;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URL;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static io.modelhub.testing.JobsApi.awaitFinished;
import static io.modelhub.testing.JobsApi.logs;
import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Issue 13's acceptance on real things only: the real pretrained all-MiniLM-L6-v2 (converted from its ONNX export
 * by hub-storage's OnnxBertImport and pushed like any user's model), real labelled mail (the SpamAssassin corpus),
 * a real runner process fine-tuning it through the queue, and a benchmark whose evaluate job must reproduce the
 * fine-tune's own test accuracy. Everything goes through the HTTP API: the recipe is whatever the runner publishes.
 * <p>
 * Sized for 2 CPU cores: 600 training mails, 3 epochs at 128 tokens, about 5 minutes of training.
 */
@QuarkusTest
@TestProfile(RealModelsProfile.class)
class RealTextModelsEndToEndTest {
    static final String RECIPE = "text-classification";
    static final String BASE = "admin/all-minilm-l6-v2";
    static final String MAIL = "admin/spam-mail";
    static final String OUTPUT = "admin/minilm-spam-classifier";

    @TestHTTPResource("/")
    URL base;

    static RunnerProcess runner;

    @AfterAll
    static void stopRunner() throws Exception {
        if (runner != null) {
            runner.close();
        }
    }

    @Test
    void fineTunesTheRealMiniLmOnRealMailAndTheBenchmarkReproducesItsScore(@TempDir Path tmp) throws Exception {
        // The real model, pushed as a user would push a converted export: the hub reads it as a BERT.
        Path minilm = tmp.resolve("all-minilm-l6-v2");
        OnnxBertImport.Result imported = OnnxBertImport.fromClasspath(minilm);
        HubApi.model("all-minilm-l6-v2").folder(minilm).create();
        JsonPath info = HubApi.asAdmin().get("/api/models/" + BASE).then().statusCode(200).extract().jsonPath();
        assertEquals("bert", info.getString("config.model_type"), info.prettify());
        assertEquals(imported.parameters(), info.getLong("safetensors.total"), info.prettify());
        assertEquals("apache-2.0", info.getString("cardData.license"));
        assertTrue(info.getList("siblings.rfilename", String.class).containsAll(List.of("config.json", "model.safetensors",
                "tokenizer.json", "modules.json", "1_Pooling/config.json")), info.prettify());

        HubApi.dataset("spam-mail").folder(SpamAssassinMail.corpus().train(600).test(300).seed(13)
                .writeTo(tmp.resolve("mail"))).create();

        runner = RunnerProcess.start(base.toString().replaceAll("/$", ""), "real-text", tmp.resolve("runner"));
        runner.awaitRegistration();

        JsonPath recipes = RestAssured.get("/api/recipes").jsonPath();
        String published = "find { it.id == '" + RECIPE + "' }";
        List<String> modelTypes = recipes.getList(published + ".modelTypes", String.class);
        String version = recipes.getString(published + ".version");
        Map<String, Object> spec = fineTune(recipes.getList(published + ".parameters.name", String.class));
        if (!modelTypes.contains("bert")) {
            // Before the runner's text-classification takes BERTs, the hub refuses the job up front, saying why.
            HubApi.asAdmin().contentType("application/json").body(spec).post("/api/jobs").then().statusCode(400)
                    .body("error", allOf(containsString("model_type is 'bert'"), containsString(BASE)));
        }
        assertTrue(modelTypes.contains("bert"), RECIPE + " version " + version + " takes model types " + modelTypes
                + ": this test needs the runner's BERT-family text-classification (model_type bert, version 2)");

        long job = HubApi.asAdmin().contentType("application/json").body(spec).post("/api/jobs").then()
                .log().ifValidationFails().statusCode(201).extract().jsonPath().getLong("id");
        JsonPath done = awaitFinished(job, 1200);
        assertEquals(JobState.SUCCEEDED.wire(), done.getString("state"), done.prettify() + "\n" + logs(job));
        double tuned = done.getDouble("result.test_accuracy");
        double untrained = done.getDouble("result.base_test_accuracy");
        System.out.printf("MiniLM on SpamAssassin mail: test_accuracy %.4f (base model, untrained head: %.4f)%n", tuned, untrained);
        assertTrue(tuned >= 0.95, "fine-tuned MiniLM tells spam from ham: test_accuracy " + tuned);
        assertTrue(tuned - untrained >= 0.2, "far above the base model with an untrained head: " + tuned + " vs " + untrained);

        JsonPath config = HubApi.asAdmin().get("/" + OUTPUT + "/resolve/main/config.json").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of("BertForSequenceClassification"), config.getList("architectures", String.class), config.prettify());
        assertEquals("bert", config.getString("model_type"));
        assertEquals(Map.of("0", "ham", "1", "spam"), config.getMap("id2label"), config.prettify());
        JsonPath card = HubApi.asAdmin().get("/api/models/" + OUTPUT).jsonPath();
        assertEquals(BASE, card.getString("cardData.base_model"), card.prettify());
        assertEquals(MAIL, card.getString("cardData.datasets[0]"));

        // A benchmark on the same test split: the runner's evaluate job scores the committed model independently.
        long benchmark = HubApi.asAdmin().contentType("application/json")
                .body(Map.of("name", "spam-mail-accuracy", "task", RECIPE, "dataset", MAIL, "split", "test",
                        "metric", "accuracy", "description", "SpamAssassin ham vs spam, 300 held-out mails"))
                .post("/api/benchmarks").then().statusCode(201).extract().jsonPath().getLong("id");
        long evaluation = HubApi.asAdmin().contentType("application/json").body(Map.of("model", OUTPUT))
                .post("/api/benchmarks/" + benchmark + "/evaluations").then().statusCode(201).extract().jsonPath().getLong("id");
        JsonPath scored = awaitEvaluation(evaluation, 600);
        assertEquals(JobState.SUCCEEDED.wire(), scored.getString("state"), scored.prettify());
        assertEquals(tuned, scored.getDouble("score"), 1e-6, "the evaluate job reproduces the fine-tune's test_accuracy");
        assertEquals("bert", scored.getString("fingerprint.model_type"), scored.prettify());
    }

    /**
     * The fine-tune, with max_length only where the published recipe has it (MiniLM allows 512 positions; mails cut
     * at 96 tokens keep the subject and the first lines, which is where spam gives itself away).
     */
    static Map<String, Object> fineTune(List<String> parameters) {
        Map<String, Object> params = new HashMap<>(Map.of("epochs", 3, "learning_rate", 1e-4, "batch_size", 16, "seed", 42));
        if (parameters.contains("max_length")) {
            params.put("max_length", 128);
        }
        return Map.of("recipe", RECIPE, "baseModel", BASE, "dataset", MAIL, "outputRepo", OUTPUT, "params", params);
    }

    private static JsonPath awaitEvaluation(long id, int seconds) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
        JsonPath e = HubApi.asAdmin().get("/api/evaluations/" + id).jsonPath();
        while (JobState.of(e.getString("state")).active()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("Evaluation " + id + " did not finish in " + seconds + " s: " + e.prettify());
            }
            Thread.sleep(500);
            e = HubApi.asAdmin().get("/api/evaluations/" + id).jsonPath();
        }
        return e;
    }
}
