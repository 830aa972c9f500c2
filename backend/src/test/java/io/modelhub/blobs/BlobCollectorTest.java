package io.modelhub.blobs;

import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.blobs.GitOids;
import io.modelhub.testing.HubApi;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class BlobCollectorTest {
    @Inject
    BlobStore store;

    @Test
    void deletingARepoFreesOnlyBlobsNoOtherCommitUses() throws Exception {
        String shared = "shared between two repos";
        String own = "only in the repo that goes away";
        HubApi.model("gc-keeper").file("shared.txt", shared).create();
        HubApi.model("gc-goner").file("shared.txt", shared).file("own.txt", own).create();
        assertTrue(store.exists(sha256(own)));

        HubApi.asAdmin().contentType("application/json").body(Map.of("name", "admin/gc-goner"))
                .delete("/api/repos/delete").then().statusCode(200);

        assertFalse(store.exists(sha256(own)), "a blob only the deleted repo used is gone from the store");
        assertTrue(store.exists(sha256(shared)), "a blob another repo still uses stays");
        HubApi.asAdmin().get("/api/models/admin/gc-goner").then().statusCode(404);
        HubApi.asAdmin().get("/admin/gc-keeper/resolve/main/shared.txt").then().statusCode(200);
    }

    private static String sha256(String text) throws Exception {
        return GitOids.hex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
