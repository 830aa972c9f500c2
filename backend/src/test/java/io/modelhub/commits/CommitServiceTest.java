package io.modelhub.commits;

import io.modelhub.testing.HubApi;
import io.modelhub.testing.Safetensors;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItems;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Commits through the NDJSON API: every change atomic, bad input refused with nothing left behind. */
@QuarkusTest
class CommitServiceTest {
    @Inject
    EntityManager em;

    @Test
    void filesDeletesAndFoldersBecomeCommitsWithHistory() {
        HubApi.RepoBuilder repo = HubApi.model("commit-ops");
        String first = repo.file("a.txt", "one").file("dir/b.txt", "two").file("dir/c.txt", "three").create();
        String second = repo.ndjson(List.of(
                "{\"key\":\"header\",\"value\":{\"summary\":\"Remove dir\",\"parentCommit\":\"" + first + "\"}}",
                "{\"key\":\"deletedFolder\",\"value\":{\"path\":\"dir/\"}}")).then().statusCode(200)
                .extract().path("commitOid");
        RestAssured.get("/api/models/admin/commit-ops").then().body("sha", equalTo(second))
                .body("siblings.rfilename", hasItems(".gitattributes", "a.txt"))
                .body("siblings.rfilename", not(hasItem("dir/b.txt")));
        // The old commit still serves the old files: commits are immutable.
        RestAssured.get("/admin/commit-ops/resolve/" + first + "/dir/b.txt").then().statusCode(200).body(equalTo("two"));
        assertEquals(3, history("commit-ops"));
    }

    @Test
    void staleParentIsRefused() {
        HubApi.RepoBuilder repo = HubApi.model("commit-stale");
        String initial = repo.create();
        repo.commit(Map.of("x.txt", "x".getBytes(StandardCharsets.UTF_8)), "first").then().statusCode(200);
        repo.ndjson(List.of("{\"key\":\"header\",\"value\":{\"summary\":\"late\",\"parentCommit\":\"" + initial + "\"}}",
                        "{\"key\":\"file\",\"value\":{\"path\":\"y.txt\",\"content\":\"eQ==\",\"encoding\":\"base64\"}}"))
                .then().statusCode(409).body("error", containsString("has moved"));
        assertEquals(2, history("commit-stale"));
    }

    @Test
    void badPathsAreRefusedAndNothingIsCommitted() {
        HubApi.RepoBuilder repo = HubApi.model("commit-paths");
        repo.create();
        for (String bad : new String[]{"../escape.txt", "/etc/passwd", "a//b", "dir/./x", "C:\\win.txt", ".git/config", "a\\b"}) {
            Map<String, byte[]> files = new LinkedHashMap<>();
            files.put("fine.txt", "ok".getBytes(StandardCharsets.UTF_8));
            files.put(bad, "bad".getBytes(StandardCharsets.UTF_8));
            repo.commit(files, "bad path").then().statusCode(400).body("error", not(equalTo(null)));
        }
        assertEquals(1, history("commit-paths"), "no commit from a refused request");
        RestAssured.head("/admin/commit-paths/resolve/main/fine.txt").then().statusCode(404);
    }

    @Test
    void fileAndFolderWithOneNameClash() {
        HubApi.RepoBuilder repo = HubApi.model("commit-clash");
        repo.file("weights", "file").create();
        repo.commit(Map.of("weights/part1", new byte[]{1}), "clash").then().statusCode(409);
    }

    @Test
    void brokenModelFilesAreRefused() {
        HubApi.RepoBuilder repo = HubApi.model("commit-broken");
        repo.create();
        byte[] absurd = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(Long.MAX_VALUE / 2).putLong(0).array();
        repo.commit(Map.of("model.safetensors", absurd), "absurd header").then().statusCode(400)
                .body("error", containsString("model.safetensors"));
        byte[] json = "{not json".getBytes(StandardCharsets.UTF_8);
        byte[] broken = ByteBuffer.allocate(8 + json.length).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).put(json).array();
        repo.commit(Map.of("model.safetensors", broken), "broken json").then().statusCode(400)
                .body("error", containsString("JSON"));
        repo.commit(Map.of("README.md", "---\nlicense: [unclosed\n---\nbody".getBytes(StandardCharsets.UTF_8)), "bad yaml")
                .then().statusCode(400).body("error", containsString("YAML"));
        repo.commit(Map.of("config.json", "[1,2".getBytes(StandardCharsets.UTF_8)), "bad config")
                .then().statusCode(400).body("error", containsString("config.json"));
        assertEquals(1, history("commit-broken"));
        // A good file in the same repo still goes through.
        repo.commit(Map.of("model.safetensors", Safetensors.builder().tensor("w", "F16", 2, 2).build()), "good")
                .then().statusCode(200);
    }

    @Test
    void fileOverTheLimitIsRefused() {
        HubApi.RepoBuilder repo = HubApi.model("commit-limit");
        repo.create();
        // The test configuration sets a 64 MiB limit.
        repo.commit(Map.of("big.bin", new byte[64 * 1024 * 1024 + 1]), "too big").then().statusCode(413);
        assertEquals(1, history("commit-limit"));
    }

    @Transactional
    int history(String name) {
        return ((Number) em.createNativeQuery("select count(*) from commits c join repos r on r.id = c.repo_id "
                + "where r.namespace = 'admin' and r.name = ?1").setParameter(1, name).getSingleResult()).intValue();
    }
}
