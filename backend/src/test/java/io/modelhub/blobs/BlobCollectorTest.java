package io.modelhub.blobs;

import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.blobs.GitOids;
import io.modelhub.testing.HubApi;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.junit.jupiter.api.Test;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.AccountService;
import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.FileChange;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.storage.blobs.StoredBlob;
import io.modelhub.testing.LfsClient;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.persistence.EntityManager;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.security.MessageDigest;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
class BlobCollectorTest {
    @Inject
    BlobStore store;
    @Inject
    BlobCollector collector;
    @Inject
    AccountService accounts;
    @Inject
    CommitService commits;
    @Inject
    RepoService repos;
    @Inject
    EntityManager em;

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

    /**
     * Issue 16 part 4: Bob has uploaded bytes X (through the LFS API, and through the UI's upload panel) but not
     * committed them; the admin deletes the only repository that used X and the collector sweeps. Bob's commits
     * then succeed and his files are intact.
     */
    @Test
    void aPendingUploadKeepsItsBlobWhenTheLastRepoUsingItIsDeleted() throws Exception {
        Account bob = accounts.createUser("gc-bob", "bob-password", "Bob", null, false);
        String token = accounts.createToken(bob.id, "cli", "write");
        HubApi.as(token).contentType("application/json").body(Map.of("name", "gc-bob/target"))
                .post("/api/repos/create").then().statusCode(200);
        byte[] viaLfs = new byte[5000];
        new Random(41).nextBytes(viaLfs);
        byte[] viaUi = new byte[3000];
        new Random(42).nextBytes(viaUi);
        HubApi.model("gc-only-user").privateRepo().lfsFile("lfs.bin", viaLfs).file("ui.bin", viaUi).create();

        // Bob's pending uploads of the same bytes: the LFS batch + PUT, and the UI's store-then-commit
        String oid = LfsClient.forRepo("gc-bob/target").token(token).upload(viaLfs);
        StoredBlob uiBlob = commits.store(new ByteArrayInputStream(viaUi), viaUi.length, Viewer.session(bob));

        HubApi.asAdmin().contentType("application/json").body(Map.of("name", "admin/gc-only-user"))
                .delete("/api/repos/delete").then().statusCode(200);
        collector.collect(BlobCollector.GRACE);
        assertTrue(store.exists(oid), "a blob a pending LFS upload claims stays");
        assertTrue(store.exists(uiBlob.sha256()), "a blob a pending UI upload claims stays");

        HubApi.commitTo("model", "gc-bob/target").token(token).lfsPointer("lfs.bin", oid, viaLfs.length).post()
                .then().statusCode(200);
        Repo target = repos.visible(Viewer.session(bob), new RepoName(RepoType.MODEL, "gc-bob", "target"));
        commits.commit(target, CommitService.DEFAULT_BRANCH, null, List.of(FileChange.put("ui.bin", uiBlob)),
                "Upload ui.bin", "", Viewer.session(bob));
        assertArrayEquals(viaLfs, HubApi.as(token).get("/gc-bob/target/resolve/main/lfs.bin").asByteArray());
        assertArrayEquals(viaUi, HubApi.as(token).get("/gc-bob/target/resolve/main/ui.bin").asByteArray());

        // committed: the claims are consumed, and the commit is what keeps the blobs now
        collector.collect(BlobCollector.GRACE);
        assertTrue(store.exists(oid));
        assertTrue(store.exists(uiBlob.sha256()));
    }

    @Test
    void anAbandonedUploadsClaimExpiresAfterTheGracePeriod() {
        Account carol = accounts.createUser("gc-carol", "carol-password", "Carol", null, false);
        byte[] bytes = new byte[2000];
        new Random(43).nextBytes(bytes);
        StoredBlob blob = commits.store(new ByteArrayInputStream(bytes), bytes.length, Viewer.session(carol));
        collector.collect(BlobCollector.GRACE);
        assertEquals(1L, claims(blob.sha256()), "claimed, within the grace period");
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                        "update pending_uploads set claimed_at = now() - interval '7 hours' where sha256 = ?1")
                .setParameter(1, blob.sha256()).executeUpdate());
        collector.collect(BlobCollector.GRACE);
        assertEquals(0L, claims(blob.sha256()), "older than the grace period: the sweep treats it as an orphan now");
    }

    private long claims(String sha256) {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "select count(*) from pending_uploads where sha256 = ?1").setParameter(1, sha256).getSingleResult()).longValue());
    }

    private static String sha256(String text) throws Exception {
        return GitOids.hex(MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8)));
    }
}
