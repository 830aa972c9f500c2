package io.modelhub.inference;

import io.modelhub.accounts.AccountService;
import io.modelhub.accounts.Viewer;
import io.modelhub.contract.InferenceProtocol.Work;
import io.modelhub.contract.RunnerProtocol.InputFile;
import io.modelhub.platform.ApiException;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.HubServicesResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * What a warm inference call may keep between calls and what it must read each time (issue 15's latency work): the
 * file list of a commit is cached by commit id, while a revoked token, a repository made private and a new commit on
 * the branch take effect at the very next call. The calls need no runner: a model without config.json is refused
 * with 400 only after the caller's token, the model's visibility, the revision and the commit's files have all been
 * read, so a 400 naming the commit says the call got that far.
 */
@QuarkusTest
class InferenceFreshnessTest {
    @Inject
    AccountService accounts;
    @Inject
    InferenceService service;

    @Test
    void aRevokedTokenIsRefusedAtTheNextCall() {
        accounts.createUser("fresh-tina", "fresh-tina-password", "Tina", null, false);
        String token = HubApi.asAdmin().contentType("application/json").body(Map.of("name", "ci", "role", "write"))
                .post("/api/admin/users/fresh-tina/tokens").then().statusCode(201).extract().path("token");
        String commit = HubApi.model("notes").owner("fresh-tina", token).privateRepo().file("README.md", "no config").create();
        for (int i = 0; i < 3; i++) {
            infer(token, "fresh-tina/notes").then().statusCode(400).body("error", containsString(commit.substring(0, 8)));
        }
        infer(null, "fresh-tina/notes").then().statusCode(404);
        int id = HubApi.asAdmin().get("/api/admin/users/fresh-tina/tokens").then().statusCode(200).extract().path("[0].id");
        HubApi.asAdmin().delete("/api/admin/users/fresh-tina/tokens/" + id).then().statusCode(204);
        infer(token, "fresh-tina/notes").then().statusCode(401);
    }

    @Test
    void aModelMadePrivateIsHiddenAtTheNextCall() {
        String commit = HubApi.model("fresh-going-private").file("README.md", "no config").create();
        for (int i = 0; i < 3; i++) {
            infer(null, "admin/fresh-going-private").then().statusCode(400).body("error", containsString(commit.substring(0, 8)));
        }
        HubApi.asAdmin().contentType("application/json").body(Map.of("private", true))
                .put("/api/models/admin/fresh-going-private/settings").then().statusCode(200);
        infer(null, "admin/fresh-going-private").then().statusCode(404);
        infer(HubServicesResource.ADMIN_TOKEN, "admin/fresh-going-private").then().statusCode(400);
        HubApi.asAdmin().contentType("application/json").body(Map.of("private", false))
                .put("/api/models/admin/fresh-going-private/settings").then().statusCode(200);
        infer(null, "admin/fresh-going-private").then().statusCode(400);
    }

    @Test
    void aNewCommitIsServedAtTheNextCallWithItsOwnFiles() {
        String first = HubApi.model("fresh-moving-branch").file("config.json", "{\"model_type\": \"bert\"}")
                .file("weights.bin", "v1").create();
        InferenceInput input = new InferenceInput("hello", Map.of(), null);
        for (int i = 0; i < 3; i++) {
            Work w = service.prepare(Viewer.ANONYMOUS, "admin", "fresh-moving-branch", null, null, input);
            assertEquals(first, w.revision());
            assertEquals(List.of("config.json", "weights.bin"), paths(w));
        }
        String second = HubApi.commitTo("model", "admin/fresh-moving-branch").file("tokenizer.json", "{}")
                .file("weights.bin", "v2, longer").post().then().statusCode(200).extract().path("commitOid");
        Work now = service.prepare(Viewer.ANONYMOUS, "admin", "fresh-moving-branch", "main", null, input);
        assertEquals(second, now.revision());
        assertEquals(List.of("config.json", "tokenizer.json", "weights.bin"), paths(now));
        assertEquals("v2, longer".length(), now.files().stream().filter(f -> f.path().equals("weights.bin")).findFirst()
                .orElseThrow().size());
        // the first commit, pinned, keeps its own files
        Work pinned = service.prepare(Viewer.ANONYMOUS, "admin", "fresh-moving-branch", first, null, input);
        assertEquals(List.of("config.json", "weights.bin"), paths(pinned));
        assertEquals(2, pinned.files().stream().filter(f -> f.path().equals("weights.bin")).findFirst().orElseThrow().size());
        // and a commit that removes config.json is refused at once, not served from the earlier commit's files
        HubApi.commitTo("model", "admin/fresh-moving-branch").delete("config.json").post().then().statusCode(200);
        ApiException refused = assertThrows(ApiException.class,
                () -> service.prepare(Viewer.ANONYMOUS, "admin", "fresh-moving-branch", null, null, input));
        assertEquals(400, refused.status());
    }

    private static List<String> paths(Work w) {
        return w.files().stream().map(InputFile::path).filter(p -> !p.equals(".gitattributes")).toList();
    }

    private static io.restassured.response.Response infer(String token, String repoId) {
        return HubApi.as(token).contentType("application/json").body(Map.of("inputs", "hello")).post("/models/" + repoId);
    }
}
