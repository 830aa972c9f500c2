package io.modelhub.hf;

import io.modelhub.testing.HubApi;
import io.modelhub.testing.LfsClient;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.response.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** /tree, /paths-info, /refs and branch/tag revisions, as snapshot_download, list_repo_tree and the JS client use them. */
@QuarkusTest
class HfTreeResourceTest {
    static final byte[] WEIGHTS = "pretend weights".getBytes();
    static final String REPO = "/api/models/admin/tree-me";
    static String commit;

    @BeforeEach
    void createRepoOnce() {
        if (commit != null) {
            return;
        }
        commit = HubApi.model("tree-me")
                .file("config.json", "{\"model_type\":\"bert\"}")
                .file("sub/a.txt", "a")
                .file("sub/deeper/b.txt", "b")
                .lfsFile("weights/model.bin", WEIGHTS)
                .create();
    }

    @Test
    void rootListingHasFilesAndFoldersWithGitIds() {
        RestAssured.get(REPO + "/tree/" + commit).then().statusCode(200)
                .body("path", contains(".gitattributes", "config.json", "sub", "weights"))
                .body("find { it.path == 'sub' }.type", equalTo("directory"))
                .body("find { it.path == 'sub' }.size", equalTo(0))
                // git's own tree id for sub/ (a.txt "a", deeper/b.txt "b"), as `git write-tree` gives it
                .body("find { it.path == 'sub' }.oid", equalTo("36d19edd2927b010215b2c5f5acfdec41e9b4a3d"))
                .body("find { it.path == 'config.json' }.type", equalTo("file"))
                .body("find { it.path == 'config.json' }.lfs", nullValue())
                .body("xetHash", everyNull())
                .body("securityFileStatus", everyNull());
    }

    @Test
    void recursiveListingShowsLfsDetails() {
        String sha256 = LfsClient.sha256(WEIGHTS);
        RestAssured.get(REPO + "/tree/" + commit + "?recursive=true&expand=false").then().statusCode(200)
                .body("path", contains(".gitattributes", "config.json", "sub", "sub/a.txt", "sub/deeper", "sub/deeper/b.txt",
                        "weights", "weights/model.bin"))
                .body("find { it.path == 'weights/model.bin' }.size", equalTo(WEIGHTS.length))
                .body("find { it.path == 'weights/model.bin' }.lfs.oid", equalTo(sha256))
                .body("find { it.path == 'weights/model.bin' }.lfs.size", equalTo(WEIGHTS.length))
                .body("find { it.path == 'weights/model.bin' }.lfs.pointerSize", equalTo(
                        ("version https://git-lfs.github.com/spec/v1\noid sha256:" + sha256 + "\nsize " + WEIGHTS.length + "\n").length()))
                .body("find { it.path == 'weights/model.bin' }.oid", matchesPattern("^[0-9a-f]{40}$"));
    }

    @Test
    void subfolderPathsAcceptEncodedAndRawSlashes() {
        RestAssured.given().urlEncodingEnabled(false).get(REPO + "/tree/main/sub%2Fdeeper").then().statusCode(200).body("path", contains("sub/deeper/b.txt"));
        RestAssured.get(REPO + "/tree/main/sub/deeper").then().statusCode(200).body("path", contains("sub/deeper/b.txt"));
        RestAssured.get(REPO + "/tree/main/sub").then().statusCode(200).body("path", contains("sub/a.txt", "sub/deeper"));
    }

    @Test
    void missingFolderIsEntryNotFound() {
        RestAssured.get(REPO + "/tree/main/additional_chat_templates").then().statusCode(404)
                .contentType("application/json")
                .header("X-Error-Code", "EntryNotFound")
                .body("error", startsWith("Entry not found"));
        RestAssured.get(REPO + "/tree/no-such-branch").then().statusCode(404).header("X-Error-Code", "RevisionNotFound");
        RestAssured.get("/api/models/admin/no-such-repo/tree/main").then().statusCode(404).header("X-Error-Code", "RepoNotFound");
    }

    @Test
    void treeIsPaginatedWithAbsoluteLinks() {
        List<String> paths = new ArrayList<>();
        String url = REPO + "/tree/" + commit + "?recursive=true&limit=3";
        int pages = 0;
        while (url != null) {
            Response r = RestAssured.get(url);
            r.then().statusCode(200);
            paths.addAll(r.jsonPath().getList("path"));
            pages++;
            String link = r.getHeader("Link");
            url = null;
            if (link != null) {
                // the JS client's own pattern
                Matcher m = Pattern.compile("<(https?:[/][/][^>]+)>;\\s+rel=\"([^\"]+)\"").matcher(link);
                assertTrue(m.find(), link);
                assertEquals("next", m.group(2));
                url = m.group(1);
                assertTrue(url.contains("/tree/" + commit), "next pages are pinned to the commit: " + url);
            }
        }
        assertEquals(3, pages);
        assertEquals(List.of(".gitattributes", "config.json", "sub", "sub/a.txt", "sub/deeper", "sub/deeper/b.txt",
                "weights", "weights/model.bin"), paths);
    }

    @Test
    void expandAddsLastCommit() {
        String later = HubApi.commitTo("model", "admin/tree-me").summary("Touch a").file("sub/a.txt", "a2").post()
                .then().statusCode(200).extract().path("commitOid");
        RestAssured.get(REPO + "/tree/" + later + "?expand=true").then().statusCode(200)
                .body("find { it.path == 'config.json' }.lastCommit.id", equalTo(commit))
                .body("find { it.path == 'config.json' }.lastCommit.title", equalTo("Update files"))
                .body("find { it.path == 'config.json' }.lastCommit.date", matchesPattern("^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z$"))
                .body("find { it.path == 'sub' }.lastCommit.id", equalTo(later))
                .body("find { it.path == 'sub' }.lastCommit.title", equalTo("Touch a"));
        RestAssured.get(REPO + "/tree/" + commit + "?expand=true").then().statusCode(200)
                .body("find { it.path == 'sub' }.lastCommit.id", equalTo(commit));
    }

    @Test
    void pathsInfoAcceptsFormAndJson() {
        RestAssured.given().contentType("application/x-www-form-urlencoded")
                .body("paths=config.json&paths=sub&paths=missing.txt&expand=False")
                .post(REPO + "/paths-info/" + commit).then().statusCode(200)
                .body("path", contains("config.json", "sub"))
                .body("type", contains("file", "directory"))
                .body("lastCommit", everyNull());
        RestAssured.given().contentType("application/json")
                .body(Map.of("paths", List.of("weights/model.bin"), "expand", true))
                .post(REPO + "/paths-info/main").then().statusCode(200)
                .body("[0].lfs.oid", equalTo(LfsClient.sha256(WEIGHTS)))
                .body("[0].lastCommit.id", equalTo(commit))
                .body("[0].size", equalTo(WEIGHTS.length));
        RestAssured.given().contentType("application/json").body(Map.of("paths", List.of("nothing")))
                .post(REPO + "/paths-info/main").then().statusCode(200).body("$", empty());
    }

    @Test
    void refsHaveTheShapeClientsParse() {
        RestAssured.get(REPO + "/refs?include_prs=1").then().statusCode(200)
                .body("branches.name", hasItem("main"))
                .body("branches.find { it.name == 'main' }.ref", equalTo("refs/heads/main"))
                .body("branches.find { it.name == 'main' }.targetCommit", matchesPattern("^[0-9a-f]{40}$"))
                .body("converts", empty())
                .body("tags", not(nullValue()))
                .body("pullRequests", empty());
    }

    @Test
    void branchesAndTagsAreRevisions() {
        HubApi.model("revisions").file("config.json", "{}").create();
        String repo = "/api/models/admin/revisions";
        String first = RestAssured.get(repo + "/revision/main").path("sha");
        HubApi.asAdmin().contentType("application/json").body(Map.of("tag", "v1.0", "message", "first"))
                .post(repo + "/tag/main").then().statusCode(200);
        HubApi.asAdmin().contentType("application/json").body(Map.of())
                .post(repo + "/branch/feature/x").then().statusCode(200);
        HubApi.asAdmin().contentType("application/json").body(Map.of())
                .post(repo + "/branch/feature/x").then().statusCode(409);
        String onBranch = HubApi.commitTo("model", "admin/revisions").revision("feature%2Fx").file("extra.txt", "x").post()
                .then().statusCode(200).extract().path("commitOid");

        RestAssured.get(repo + "/refs").then().statusCode(200)
                .body("tags.name", contains("v1.0"))
                .body("tags[0].ref", equalTo("refs/tags/v1.0"))
                .body("tags[0].targetCommit", equalTo(first))
                .body("branches.name", containsInAnyOrder("main", "feature/x"));
        RestAssured.get(repo + "/revision/v1.0").then().statusCode(200).body("sha", equalTo(first));
        RestAssured.given().urlEncodingEnabled(false).get(repo + "/revision/refs%2Ftags%2Fv1.0").then().statusCode(200).body("sha", equalTo(first));
        RestAssured.given().urlEncodingEnabled(false).get(repo + "/revision/feature%2Fx").then().statusCode(200).body("sha", equalTo(onBranch));
        RestAssured.given().urlEncodingEnabled(false).get(repo + "/revision/refs%2Fheads%2Ffeature%2Fx").then().statusCode(200).body("sha", equalTo(onBranch));
        // the JS client sends raw slashes in tree revisions
        RestAssured.get(repo + "/tree/feature/x").then().statusCode(200).body("path", hasItem("extra.txt"));
        RestAssured.get(repo + "/tree/refs/heads/feature/x").then().statusCode(200).body("path", hasItem("extra.txt"));
        RestAssured.given().urlEncodingEnabled(false).head("/admin/revisions/resolve/feature%2Fx/extra.txt").then().statusCode(200).header("X-Repo-Commit", onBranch);
        RestAssured.given().urlEncodingEnabled(false).head("/admin/revisions/resolve/v1.0/extra.txt").then().statusCode(404)
                .header("X-Error-Code", "EntryNotFound").header("X-Repo-Commit", first);
        RestAssured.given().urlEncodingEnabled(false).get(repo + "/revision/refs%2Fpr%2F1").then().statusCode(404).contentType("application/json")
                .header("X-Error-Code", "RevisionNotFound");
        RestAssured.given().urlEncodingEnabled(false).head("/admin/revisions/resolve/refs%2Fpr%2F1/config.json").then().statusCode(404)
                .header("X-Error-Code", "RevisionNotFound");

        HubApi.asAdmin().delete(repo + "/tag/v1.0").then().statusCode(200);
        HubApi.asAdmin().urlEncodingEnabled(false).delete(repo + "/branch/feature%2Fx").then().statusCode(200);
        RestAssured.get(repo + "/revision/v1.0").then().statusCode(404).header("X-Error-Code", "RevisionNotFound");
        HubApi.asAdmin().delete(repo + "/branch/main").then().statusCode(403);
        RestAssured.given().contentType("application/json").body(Map.of("tag", "anon"))
                .post(repo + "/tag/main").then().statusCode(401);
    }

    @Test
    void revisionAnswersHeadRequests() {
        RestAssured.head(REPO + "/revision/HEAD").then().statusCode(200);
        RestAssured.head("/api/models/admin/no-such-repo/revision/main").then().statusCode(404).header("X-Error-Code", "RepoNotFound");
    }

    private static org.hamcrest.Matcher<Iterable<? super Object>> everyNull() {
        return not(hasItem(not(nullValue())));
    }
}
