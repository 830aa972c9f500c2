package io.modelhub.hf;

import io.modelhub.testing.HubApi;
import io.modelhub.testing.LfsClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.startsWith;

/** The NDJSON commit endpoint, as create_commit and the JS commit() send it. */
@QuarkusTest
class HfCommitResourceTest {

    @Test
    void appliesEveryOperationKindInOneCommit() {
        String first = HubApi.model("ndjson-kinds").file("keep.txt", "keep").file("old.txt", "old")
                .file("checkpoints/1.txt", "1").file("checkpoints/2.txt", "2").create();
        byte[] weights = "lfs bytes".getBytes(StandardCharsets.UTF_8);
        String second = HubApi.commitTo("model", "admin/ndjson-kinds").summary("All kinds").parent(first)
                .file("new.txt", "new").lfsFile("model.bin", weights).delete("old.txt").deleteFolder("checkpoints/")
                .post().then().statusCode(200)
                .body("success", equalTo(true))
                .body("commitOid", matchesPattern("^[0-9a-f]{40}$"))
                .body("commitUrl", matchesPattern("^" + HubApi.baseUrl() + "/admin/ndjson-kinds/commit/[0-9a-f]{40}$"))
                .body("hookOutput", equalTo(""))
                .extract().path("commitOid");
        RestAssured.get("/api/models/admin/ndjson-kinds/tree/" + second + "?recursive=true").then().statusCode(200)
                .body("path", contains(".gitattributes", "keep.txt", "model.bin", "new.txt"))
                .body("find { it.path == 'model.bin' }.lfs.oid", equalTo(LfsClient.sha256(weights)));
        RestAssured.get("/api/models/admin/ndjson-kinds/revision/main").then().body("sha", equalTo(second));
    }

    @Test
    void staleParentIsRejectedAndNothingChanges() {
        String first = HubApi.model("ndjson-stale").file("a.txt", "a").create();
        String second = HubApi.commitTo("model", "admin/ndjson-stale").parent(first).file("a.txt", "a2").post()
                .then().statusCode(200).extract().path("commitOid");
        HubApi.commitTo("model", "admin/ndjson-stale").parent(first).file("a.txt", "a3").post()
                .then().statusCode(409).contentType("application/json").body("error", startsWith("The branch main has moved"));
        RestAssured.get("/api/models/admin/ndjson-stale/revision/main").then().body("sha", equalTo(second));
    }

    @Test
    void refusesWhatItCannotDo() {
        HubApi.model("ndjson-refusals").file("a.txt", "a").create();
        HubApi.commitTo("model", "admin/ndjson-refusals").lfsPointer("x.bin", "b".repeat(64), 3).post()
                .then().statusCode(400).body("error", startsWith("Operation 2: LFS object"));
        HubApi.commitTo("model", "admin/ndjson-refusals").delete("missing.txt").post()
                .then().statusCode(404).header("X-Error-Code", "EntryNotFound");
        HubApi.commitTo("model", "admin/ndjson-refusals").revision("main?create_pr=1").file("b.txt", "b").post()
                .then().statusCode(400).body("error", startsWith("Pull requests are not supported"));
        HubApi.commitTo("model", "admin/ndjson-refusals").revision("no-such-branch").file("b.txt", "b").post()
                .then().statusCode(404).header("X-Error-Code", "RevisionNotFound");
        HubApi.commitTo("model", "admin/ndjson-refusals").token(null).file("b.txt", "b").post().then().statusCode(401);
        byte[] weights = "known".getBytes(StandardCharsets.UTF_8);
        String oid = LfsClient.forRepo("admin/ndjson-refusals").upload(weights);
        HubApi.commitTo("model", "admin/ndjson-refusals").lfsPointer("w.bin", oid, weights.length + 1).post()
                .then().statusCode(400).body("error", startsWith("Operation 2: LFS object " + oid + " is 5 bytes"));
    }
}
