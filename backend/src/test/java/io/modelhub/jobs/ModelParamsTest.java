package io.modelhub.jobs;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.Viewer;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.runners.RecipeInfo;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.SimulatedRunner;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Recipe parameters of type "model": a second (third, ...) input model, validated and pinned like baseModel. */
@QuarkusTest
class ModelParamsTest {
    static final Map<String, Object> TWO_TOWER_RECIPE = Map.of("id", "two-tower-test", "version", "1",
            "modality", "multimodal", "task", "feature-extraction", "needsBaseModel", false,
            "parameters", List.of(
                    Map.of("name", "text_tower", "type", "model", "choices", List.of("text"), "help", "text encoder"),
                    Map.of("name", "media_tower", "type", "model", "choices", List.of("vision", "audio"), "help", "media encoder"),
                    Map.of("name", "epochs", "type", "int", "defaultValue", 3, "min", 1, "max", 100, "help", "passes")));
    static boolean created;
    @Inject
    JobService jobs;
    @Inject
    RepoService repos;
    static String textCommit;

    @BeforeEach
    void inputsOnce() {
        if (created) {
            return;
        }
        created = true;
        SimulatedRunner.register("two-tower-publisher", 0, List.of(TWO_TOWER_RECIPE));
        SimulatedRunner.register("image-recipe-publisher", 0);
        textCommit = HubApi.model("mp-text").file("config.json", "{\"model_type\":\"modelhub-text\",\"architectures\":[\"ModelHubTextEncoder\"]}").create();
        HubApi.model("mp-cnn").file("config.json", "{\"model_type\":\"modelhub-cnn\",\"architectures\":[\"ModelHubCnn\"]}").create();
        HubApi.dataset("mp-pairs").file("train/1.png", new byte[]{1}).file("train/2.png", new byte[]{2})
                .file("train/metadata.csv", "file_name,text\n1.png,a red circle\n2.png,a blue square\n").create();
    }

    static Map<String, Object> spec(Map<String, Object> params) {
        Map<String, Object> m = new HashMap<>(Map.of("recipe", "two-tower-test", "dataset", "admin/mp-pairs"));
        m.put("params", params);
        return m;
    }

    @Test
    void modelParametersAreCheckedAndPinnedToACommit() {
        JsonPath job = JobQueueTest.submit(spec(Map.of("text_tower", "admin/mp-text", "media_tower", "admin/mp-cnn@main")))
                .then().statusCode(201).extract().jsonPath();
        String text = job.getString("params.text_tower");
        String media = job.getString("params.media_tower");
        assertEquals("admin/mp-text@" + textCommit, text, "pinned to the commit main pointed at");
        assertTrue(media.matches("admin/mp-cnn@[0-9a-f]{40}"), media);
        HubApi.asAdmin().post("/api/jobs/" + job.getLong("id") + "/cancel").then().statusCode(200);
    }

    @Test
    @jakarta.transaction.Transactional
    void theLaunchFormOffersTwoTowerRecipesFromEitherTowersModelPage() {
        Viewer admin = Viewer.session(Account.findByUsername("admin").orElseThrow());
        Repo text = repos.visible(admin, RepoName.parse(RepoType.MODEL, "admin/mp-text"));
        Repo cnn = repos.visible(admin, RepoName.parse(RepoType.MODEL, "admin/mp-cnn"));
        assertTrue(jobs.recipesFor(text).stream().anyMatch(r -> r.id().equals("two-tower-test")), "offered on a text model");
        assertTrue(jobs.recipesFor(cnn).stream().anyMatch(r -> r.id().equals("two-tower-test")), "offered on a vision model");
        assertEquals("image-classification", jobs.recipesFor(cnn).get(0).id(), "fine-tunes of the model itself come first");
        RecipeInfo recipe = jobs.recipesFor(cnn).stream().filter(r -> r.id().equals("two-tower-test")).findFirst().orElseThrow();
        RecipeInfo.Param textTower = recipe.parameters().get(0);
        List<String> textModels = jobs.modelsFor(admin, textTower).stream().map(Repo::fullId).toList();
        assertTrue(textModels.contains("admin/mp-text") && !textModels.contains("admin/mp-cnn"), textModels.toString());
    }

    @Test
    void badModelParametersAreRefusedWithClearErrors() {
        JobQueueTest.submit(spec(Map.of("text_tower", "admin/no-such-model", "media_tower", "admin/mp-cnn"))).then()
                .statusCode(404).body("error", equalTo("Repository admin/no-such-model not found"));
        JobQueueTest.submit(spec(Map.of("text_tower", "admin/mp-cnn", "media_tower", "admin/mp-cnn"))).then().statusCode(400)
                .body("error", equalTo("Modality mismatch: parameter 'text_tower' of recipe 'two-tower-test' takes text models, "
                        + "and admin/mp-cnn is a vision model"));
        JobQueueTest.submit(spec(Map.of("text_tower", "admin/mp-text", "media_tower", "admin/mp-text"))).then().statusCode(400)
                .body("error", containsString("takes vision or audio models, and admin/mp-text is a text model"));
        JobQueueTest.submit(spec(Map.of("media_tower", "admin/mp-cnn"))).then().statusCode(400)
                .body("error", equalTo("Parameter 'text_tower' needs a model repository id (owner/name)"));
        JobQueueTest.submit(spec(Map.of("text_tower", "admin/mp-text@no-such-branch", "media_tower", "admin/mp-cnn")))
                .then().statusCode(404);
    }
}
