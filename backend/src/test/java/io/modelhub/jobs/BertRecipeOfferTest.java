package io.modelhub.jobs;

import io.modelhub.contract.ModelTypes;
import io.modelhub.contract.ParamSpec;
import io.modelhub.contract.RecipeDescriptor;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.SimulatedRunner;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.allOf;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * A model goes only to the recipes that publish its config.json model_type: a BERT pushed to the hub is offered
 * (Fine-tune form) and accepted (job API) by a text-classification that lists bert, and refused, with the reason,
 * by one that takes the platform's own encoders only. Played with a simulated runner: nothing trains.
 */
@QuarkusTest
class BertRecipeOfferTest {
    static final RecipeDescriptor BERT_RECIPE = recipe("sim-bert-text-classification", List.copyOf(ModelTypes.BERT_FAMILY));
    static final RecipeDescriptor OWN_RECIPE = recipe("sim-own-text-classification", List.of(ModelTypes.TEXT));

    @Inject
    JobService jobs;
    @Inject
    RepoService repos;

    @Test
    void aBertIsOfferedOnlyRecipesThatPublishBert() {
        SimulatedRunner.register("offer-runner", 0, List.of(BERT_RECIPE, OWN_RECIPE));
        HubApi.model("offer-bert").file("config.json", "{\"model_type\": \"bert\", \"architectures\": [\"BertModel\"]}").create();
        String table = "text,label\nlunch at noon?,ham\nWIN a FREE cruise now,spam\nminutes of the meeting,ham\ncheap pills,spam\n";
        HubApi.dataset("offer-mail").file("train.csv", table).file("test.csv", table).create();

        JsonPath recipes = RestAssured.get("/api/recipes").jsonPath();
        assertEquals(ModelTypes.BERT_FAMILY, recipes.getList("find { it.id == '" + BERT_RECIPE.id() + "' }.modelTypes", String.class));
        List<String> offered = QuarkusTransaction.requiringNew().call(() -> jobs.recipesFor(
                repos.find(RepoName.parse(RepoType.MODEL, "admin/offer-bert")).orElseThrow())).stream()
                .map(RecipeDescriptor::id).filter(id -> id.startsWith("sim-")).toList();
        assertEquals(List.of(BERT_RECIPE.id()), offered);

        HubApi.asAdmin().contentType("application/json").body(spec(OWN_RECIPE)).post("/api/jobs").then().statusCode(400)
                .body("error", allOf(containsString("admin/offer-bert"), containsString("model_type is 'bert'"),
                        containsString("takes " + ModelTypes.TEXT)));
        long job = HubApi.asAdmin().contentType("application/json").body(spec(BERT_RECIPE)).post("/api/jobs").then()
                .log().ifValidationFails().statusCode(201).extract().jsonPath().getLong("id");
        // nobody would claim it but the simulated runner: do not leave it queued in the shared database
        HubApi.asAdmin().post("/api/jobs/" + job + "/cancel").then().statusCode(200);
    }

    private static Map<String, Object> spec(RecipeDescriptor recipe) {
        return Map.of("recipe", recipe.id(), "baseModel", "admin/offer-bert", "dataset", "admin/offer-mail",
                "params", Map.of("epochs", 1));
    }

    private static RecipeDescriptor recipe(String id, List<String> modelTypes) {
        return new RecipeDescriptor(id, "1", "text", "text-classification", true, true,
                List.of(ParamSpec.integer("epochs", 1, 1, 10, "passes over the data")), modelTypes);
    }
}
