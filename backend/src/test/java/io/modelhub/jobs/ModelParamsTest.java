package io.modelhub.jobs;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.Viewer;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.contract.ModelTypes;
import io.modelhub.contract.ParamSpec;
import io.modelhub.contract.RecipeDescriptor;
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
    static final RecipeDescriptor TWO_TOWER_RECIPE = new RecipeDescriptor("two-tower-test", "1", "multimodal",
            "feature-extraction", false, true, List.of(
                    ParamSpec.model("text_tower", List.of("text"), List.of(ModelTypes.TEXT), "text encoder"),
                    ParamSpec.model("media_tower", List.of("vision", "audio"), List.of(ModelTypes.CNN, ModelTypes.AUDIO), "media encoder"),
                    ParamSpec.integer("epochs", 3, 1, 100, "passes")), List.of());
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
        assertTrue(jobs.recipesFor(cnn).get(0).needsBaseModel(), "fine-tunes of the model itself come first");
        RecipeDescriptor recipe = jobs.recipesFor(cnn).stream().filter(r -> r.id().equals("two-tower-test")).findFirst().orElseThrow();
        ParamSpec textTower = recipe.parameters().get(0);
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
