package io.modelhub.hf;

import io.modelhub.commits.LfsRule;
import io.modelhub.storage.blobs.GitOids;
import io.modelhub.testing.HubApi;
import io.modelhub.testing.LfsClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;

/** validate-yaml and preupload, the calls huggingface_hub and @huggingface/hub make before uploading. */
@QuarkusTest
class HfPreuploadResourceTest {

    @Test
    void validateYamlAlwaysAnswersJson() {
        RestAssured.given().contentType("application/json")
                .body(Map.of("content", HubApi.readme("license: mit\ntags: [a, b]", "# Card"), "repoType", "model"))
                .post("/api/validate-yaml").then().statusCode(200).contentType("application/json")
                .body("errors", empty()).body("warnings", empty());
        RestAssured.given().contentType("application/json").body(Map.of("content", "No front matter at all"))
                .post("/api/validate-yaml").then().statusCode(200).body("errors", empty());
        RestAssured.given().contentType("application/json")
                .body(Map.of("content", HubApi.readme("license: [unclosed", "# Card"), "repoType", "model"))
                .post("/api/validate-yaml").then().statusCode(400).contentType("application/json")
                .body("errors[0].message", startsWith("README.md front matter is not valid YAML"));
        RestAssured.given().contentType("application/json").body(Map.of("content", "---\n- a\n- b\n---\n"))
                .post("/api/validate-yaml").then().statusCode(400).body("errors[0].message", startsWith("README.md front matter must be"));
    }

    @Test
    void preuploadSaysWhichFilesGoThroughLfsAndWhatIsStored() {
        byte[] weights = "weights".getBytes(StandardCharsets.UTF_8);
        String commit = HubApi.model("preupload-me").file("config.json", "{}").lfsFile("model.bin", weights).create();
        List<Map<String, Object>> files = List.of(
                Map.of("path", "config.json", "size", 2, "sample", "e30="),
                Map.of("path", "model.bin", "size", weights.length, "sample", ""),
                Map.of("path", "new/weights.safetensors", "size", 100, "sample", ""),
                Map.of("path", "big.txt", "size", 11L * 1024 * 1024, "sample", ""),
                Map.of("path", "empty.bin", "size", 0, "sample", ""),
                Map.of("path", "Notes With Spaces.md", "size", 10, "sample", ""),
                Map.of("path", "model.bin", "size", LfsRule.INLINE_MAX + 1, "sample", ""),
                Map.of("path", "notes.txt", "size", LfsRule.INLINE_MAX + 1, "sample", ""));
        HubApi.asAdmin().contentType("application/json").body(Map.of("files", files))
                .post("/api/models/admin/preupload-me/preupload/main").then().statusCode(200)
                .body("commitOid", equalTo(commit))
                .body("files.path", contains("config.json", "model.bin", "new/weights.safetensors", "big.txt", "empty.bin",
                        "Notes With Spaces.md", "model.bin", "notes.txt"))
                // small files go inline whatever their type (issue 17: no LFS round trip per file); LFS for binary
                // types over 1 MiB and anything over 10 MiB
                .body("files.uploadMode", contains("regular", "regular", "regular", "lfs", "regular", "regular", "lfs", "regular"))
                .body("files.shouldIgnore", contains(false, false, false, false, false, false, false, false))
                // the remote oid clients compare with their local one to skip unchanged files: the one of the upload
                // mode answered (the stored model.bin is an LFS file either way)
                .body("files[0].oid", equalTo(GitOids.blobSha1("{}".getBytes(StandardCharsets.UTF_8))))
                .body("files[1].oid", equalTo(GitOids.blobSha1(weights)))
                .body("files[6].oid", equalTo(LfsClient.sha256(weights)))
                .body("files[2].oid", nullValue());
    }

    @Test
    void preuploadNeedsWriteAccessAndAnExistingRevision() {
        HubApi.model("preupload-auth").create();
        Map<String, Object> body = Map.of("files", List.of(Map.of("path", "a.txt", "size", 1, "sample", "YQ==")));
        RestAssured.given().contentType("application/json").body(body)
                .post("/api/models/admin/preupload-auth/preupload/main").then().statusCode(401);
        HubApi.asAdmin().contentType("application/json").body(body)
                .post("/api/models/admin/preupload-auth/preupload/nope").then().statusCode(404).header("X-Error-Code", "RevisionNotFound");
        HubApi.asAdmin().contentType("application/json").body(body)
                .post("/api/datasets/admin/preupload-auth/preupload/main").then().statusCode(404).header("X-Error-Code", "RepoNotFound");
        HubApi.asAdmin().contentType("application/json").body(body)
                .post("/api/models/admin/preupload-auth/preupload/main").then().statusCode(200).body("files.path", hasItem("a.txt"));
    }
}
