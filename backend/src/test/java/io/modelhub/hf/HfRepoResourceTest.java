package io.modelhub.hf;

import io.modelhub.testing.HubApi;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;

@QuarkusTest
class HfRepoResourceTest {

    @Test
    void createsRepoWithInitialCommitAndRefusesDuplicate() {
        HubApi.asAdmin().contentType("application/json").body(Map.of("name", "create-me", "organization", "admin"))
                .post("/api/repos/create").then().statusCode(200)
                .body("name", equalTo("admin/create-me"))
                .body("url", endsWith("/admin/create-me"));
        HubApi.asAdmin().get("/api/models/admin/create-me/revision/main").then().statusCode(200)
                .body("sha", matchesPattern("^[0-9a-f]{40}$"))
                .body("siblings.rfilename", hasItem(".gitattributes"));
        HubApi.asAdmin().contentType("application/json").body(Map.of("name", "create-me"))
                .post("/api/repos/create").then().statusCode(409)
                .body("error", equalTo("You already created this model repo: admin/create-me"))
                .body("url", endsWith("/admin/create-me"));
    }

    @Test
    void refusesBadNamesAndMissingAuth() {
        for (String bad : new String[]{"", "a/b/c", "-leading", "has space", "dots..dots", "x".repeat(97), "../etc"}) {
            HubApi.asAdmin().contentType("application/json").body(Map.of("name", bad))
                    .post("/api/repos/create").then().statusCode(400).body("error", not(equalTo(null)));
        }
        RestAssured.given().contentType("application/json").body(Map.of("name", "anon"))
                .post("/api/repos/create").then().statusCode(401);
        HubApi.as("hf_WrongToken0000000000000000000000000000").contentType("application/json")
                .body(Map.of("name", "wrong-token")).post("/api/repos/create").then().statusCode(401)
                .header("X-Error-Message", "Invalid credentials in Authorization header");
    }

    @Test
    void privateRepoIsInvisibleWithoutToken() {
        HubApi.model("secret-model").privateRepo().file("config.json", "{\"model_type\":\"bert\"}").create();
        RestAssured.get("/api/models/admin/secret-model").then().statusCode(404)
                .header("X-Error-Code", "RepoNotFound");
        RestAssured.head("/admin/secret-model/resolve/main/config.json").then().statusCode(404)
                .header("X-Error-Code", "RepoNotFound");
        RestAssured.get("/api/models?search=secret-model").then().statusCode(200).body("id", not(hasItem("admin/secret-model")));
        HubApi.asAdmin().get("/api/models?search=secret-model").then().statusCode(200).body("id", hasItem("admin/secret-model"));
        HubApi.asAdmin().get("/admin/secret-model/resolve/main/config.json").then().statusCode(200);
    }

    @Test
    void apiPathsNotOfferedAnswerJson404() {
        RestAssured.get("/api/models/admin/create-me/discussions").then().statusCode(404)
                .contentType("application/json").header("X-Error-Code", "NotFound").body("error", not(equalTo(null)));
        RestAssured.head("/api/telemetry/hf_hub_download").then().statusCode(404);
        RestAssured.get("/api/agent-harnesses").then().statusCode(404).contentType("application/json");
        HubApi.asAdmin().get("/api/whoami-v2").then().statusCode(200).body("name", equalTo("admin"));
        HubApi.asAdmin().get("/api/admin/users").then().statusCode(200).contentType("application/json");
    }

    @Test
    void whoamiDescribesTheToken() {
        HubApi.asAdmin().get("/api/whoami-v2").then().statusCode(200)
                .body("name", equalTo("admin"))
                .body("auth.type", equalTo("access_token"))
                .body("auth.accessToken.role", equalTo("write"));
        RestAssured.get("/api/whoami-v2").then().statusCode(401);
    }
}
