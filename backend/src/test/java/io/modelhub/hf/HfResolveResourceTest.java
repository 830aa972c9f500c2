package io.modelhub.hf;

import io.modelhub.storage.blobs.GitOids;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.Safetensors;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

import static org.hamcrest.Matchers.emptyOrNullString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

@QuarkusTest
class HfResolveResourceTest {
    static final String CONFIG = "{\"architectures\":[\"BertModel\"],\"model_type\":\"bert\"}";
    static final byte[] WEIGHTS = Safetensors.builder().tensor("embeddings.weight", "F32", 64, 16).build();
    static String commit;

    @BeforeEach
    void createRepoOnce() {
        if (commit != null) {
            return;
        }
        commit = HubApi.model("resolve-me").file("config.json", CONFIG).file("model.safetensors", WEIGHTS).create();
    }

    @Test
    void headOfRegularFileCarriesTheHfContract() {
        Response r = RestAssured.given().header("Accept-Encoding", "identity").head("/admin/resolve-me/resolve/main/config.json");
        r.then().statusCode(200)
                .header("X-Repo-Commit", commit)
                .header("ETag", "\"" + GitOids.blobSha1(CONFIG.getBytes(StandardCharsets.UTF_8)) + "\"")
                .header("Content-Length", String.valueOf(CONFIG.length()))
                .header("Accept-Ranges", "bytes");
        assertEquals(null, r.getHeader("X-Linked-Etag"), "a regular file has no linked etag");
    }

    @Test
    void lfsFileIsServedWithSha256Etag() throws Exception {
        String sha256 = GitOids.hex(MessageDigest.getInstance("SHA-256").digest(WEIGHTS));
        RestAssured.head("/admin/resolve-me/resolve/main/model.safetensors").then().statusCode(200)
                .header("ETag", "\"" + sha256 + "\"")
                .header("X-Linked-Etag", "\"" + sha256 + "\"")
                .header("X-Linked-Size", String.valueOf(WEIGHTS.length));
        byte[] body = RestAssured.get("/admin/resolve-me/resolve/" + commit + "/model.safetensors").asByteArray();
        assertArrayEquals(WEIGHTS, body);
    }

    @Test
    void rangeRequestsResume() {
        Response r = RestAssured.given().header("Range", "bytes=100-").get("/admin/resolve-me/resolve/main/model.safetensors");
        r.then().statusCode(206).header("Content-Range", "bytes 100-" + (WEIGHTS.length - 1) + "/" + WEIGHTS.length);
        assertArrayEquals(Arrays.copyOfRange(WEIGHTS, 100, WEIGHTS.length), r.asByteArray());
        RestAssured.given().header("Range", "bytes=0-0").get("/admin/resolve-me/resolve/main/model.safetensors")
                .then().statusCode(206).header("Content-Range", "bytes 0-0/" + WEIGHTS.length);
        RestAssured.given().header("Range", "bytes=" + WEIGHTS.length + "-").get("/admin/resolve-me/resolve/main/config.json")
                .then().statusCode(416);
    }

    @Test
    void missingThingsAnswerWithTheirErrorCodes() {
        RestAssured.head("/admin/resolve-me/resolve/main/missing.bin").then().statusCode(404)
                .header("X-Error-Code", "EntryNotFound").header("X-Repo-Commit", commit);
        RestAssured.get("/admin/resolve-me/resolve/main/missing.bin").then().statusCode(404)
                .header("X-Error-Code", "EntryNotFound").body("error", equalTo("Entry not found"));
        RestAssured.head("/admin/resolve-me/resolve/no-such-branch/config.json").then().statusCode(404)
                .header("X-Error-Code", "RevisionNotFound");
        RestAssured.head("/admin/no-such-repo/resolve/main/config.json").then().statusCode(404)
                .header("X-Error-Code", "RepoNotFound");
    }

    @Test
    void revisionsResolveHeadBranchAndShortSha() {
        RestAssured.get("/api/models/admin/resolve-me/revision/HEAD").then().statusCode(200).body("sha", equalTo(commit));
        RestAssured.head("/admin/resolve-me/resolve/" + commit.substring(0, 10) + "/config.json").then().statusCode(200)
                .header("X-Repo-Commit", commit);
    }

    @Test
    void modelInfoListsFilesAndSafetensorsParameters() {
        RestAssured.get("/api/models/admin/resolve-me").then().statusCode(200)
                .body("id", equalTo("admin/resolve-me"))
                .body("sha", equalTo(commit))
                .body("safetensors.total", equalTo(64 * 16))
                .body("safetensors.parameters.F32", equalTo(64 * 16))
                .body("config.model_type", equalTo("bert"))
                .body("siblings.find { it.rfilename == 'model.safetensors' }.lfs.size", equalTo(WEIGHTS.length));
    }

    @Test
    void rawServesWhatGitHoldsPointerFilesForLfs() throws Exception {
        String sha256 = GitOids.hex(MessageDigest.getInstance("SHA-256").digest(WEIGHTS));
        String pointer = GitOids.lfsPointer(sha256, WEIGHTS.length);
        RestAssured.get("/admin/resolve-me/raw/main/model.safetensors").then().statusCode(200)
                .header("ETag", "\"" + GitOids.lfsPointerSha1(sha256, WEIGHTS.length) + "\"")
                .header("X-Repo-Commit", commit)
                .header("Content-Length", String.valueOf(pointer.length()))
                .body(equalTo(pointer));
        RestAssured.head("/admin/resolve-me/raw/main/config.json").then().statusCode(200)
                .header("ETag", "\"" + GitOids.blobSha1(CONFIG.getBytes(StandardCharsets.UTF_8)) + "\"")
                .header("Content-Length", String.valueOf(CONFIG.length()));
        assertEquals(CONFIG, RestAssured.get("/admin/resolve-me/raw/" + commit + "/config.json").asString());
        RestAssured.head("/admin/resolve-me/raw/main/missing.txt").then().statusCode(404)
                .header("X-Error-Code", "EntryNotFound").header("X-Repo-Commit", commit);
    }

    @Test
    void everyRefusalCarriesAnErrorCodeAndJson() {
        RestAssured.given().header("Range", "bytes=999999-").get("/admin/resolve-me/resolve/main/config.json").then()
                .statusCode(416).header("X-Error-Code", "RangeNotSatisfiable").header("X-Error-Message", not(emptyOrNullString()))
                .contentType("application/json").body("error", not(emptyOrNullString()));
        RestAssured.get("/admin/resolve-me/resolve/main").then().statusCode(404).header("X-Error-Code", not(emptyOrNullString()))
                .contentType("application/json");
        RestAssured.get("/datasets/admin/resolve-me/resolve/main/config.json").then().statusCode(404)
                .header("X-Error-Code", "RepoNotFound").contentType("application/json");
        RestAssured.head("/admin/resolve-me/resolve/main/config.json").then().statusCode(200)
                .header("Content-Encoding", nullValue());
    }

    @Test
    void downloadsAreCounted() {
        int before = RestAssured.get("/api/models/admin/resolve-me").path("downloads");
        RestAssured.get("/admin/resolve-me/resolve/main/config.json").then().statusCode(200);
        RestAssured.given().header("Range", "bytes=0-0").get("/admin/resolve-me/resolve/main/config.json").then().statusCode(206);
        int after = RestAssured.get("/api/models/admin/resolve-me").path("downloads");
        assertEquals(before + 1, after, "a full download counts, a one-byte probe does not");
    }
}
