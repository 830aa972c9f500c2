package io.modelhub.commits;

import io.modelhub.accounts.Viewer;
import io.modelhub.platform.ApiException;
import io.modelhub.storage.blobs.BlobStore;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.util.Collection;

/**
 * Pending uploads: who has sent the bytes of a blob, or was told it is already stored, and has not committed it
 * yet (table {@code pending_uploads}). They answer two questions:
 * <ul>
 *   <li>may this caller commit an object it names only by its sha256? Only if it sent the bytes itself, or can
 *   read a repository whose history references the object (admins can read all). Content addressing is then no
 *   way to read someone else's private file, and the hub's answers do not tell "exists" from "absent";</li>
 *   <li>may the blob collector free this blob? Not while a pending upload names it.</li>
 * </ul>
 * A claim and the collector's decision for the same sha256 are serialised by a transaction-scoped advisory lock
 * ({@link #LOCK}): a claim that comes second sees the object gone and asks the client to send the bytes again,
 * a collector that comes second sees the claim and keeps the blob.
 */
@ApplicationScoped
public class BlobClaims {
    /** Locks one sha256 (parameter ?1) until the transaction ends; shared with the blob collector. */
    public static final String LOCK = "select pg_advisory_xact_lock(hashtextextended(?1, 16))";
    /** The account of blobs the hub stores for itself (demo catalog, job cards): claims no one's upload. */
    public static final long HUB = 0;

    @Inject
    EntityManager em;
    @Inject
    BlobStore store;

    /**
     * Records that {@code accountId} is about to commit {@code sha256} (restarting the claim's age), after
     * checking under the lock that the object is still in the store.
     *
     * @throws ApiException 503 if the collector freed the object just before: the client sends the bytes again
     */
    @Transactional
    public void claim(String sha256, long accountId) {
        em.createNativeQuery(LOCK).setParameter(1, sha256).getSingleResult();
        em.createNativeQuery("insert into pending_uploads (sha256, account_id) values (?1, ?2) "
                        + "on conflict (sha256, account_id) do update set claimed_at = now()")
                .setParameter(1, sha256).setParameter(2, accountId).executeUpdate();
        if (!store.exists(sha256)) {
            throw new ApiException(503, null, "The object " + sha256 + " was freed while it was being stored; "
                    + "upload it again");
        }
    }

    /** The account of a viewer for claims: its id, or {@link #HUB} for the hub itself. */
    public static long account(Viewer viewer) {
        return viewer == null || viewer.accountId() == null ? HUB : viewer.accountId();
    }

    /**
     * Whether the viewer may commit {@code sha256} without sending its bytes: it has a pending upload of it, or
     * can read a repository (any commit of it) that references it.
     */
    @Transactional
    public boolean mayReference(Viewer viewer, String sha256) {
        if (viewer.admin()) {
            return true;
        }
        if (viewer.anonymous()) {
            return false;
        }
        Object found = em.createNativeQuery("select exists (select 1 from pending_uploads where sha256 = ?1 and account_id = ?2) "
                        + "or exists (select 1 from commit_files f join commits c on c.id = f.commit_id "
                        + "join repos r on r.id = c.repo_id where f.blob_sha256 = ?1 and (not r.private or r.owner_id = ?2))")
                .setParameter(1, sha256).setParameter(2, viewer.accountId()).getSingleResult();
        return Boolean.TRUE.equals(found);
    }

    /** Whether the account has a pending upload of the blob (it sent the bytes, or was told it could skip them). */
    @Transactional
    public boolean claimedBy(String sha256, long accountId) {
        return Boolean.TRUE.equals(em.createNativeQuery("select exists (select 1 from pending_uploads where sha256 = ?1 "
                + "and account_id = ?2)").setParameter(1, sha256).setParameter(2, accountId).getSingleResult());
    }

    /** A commit by the account consumed these claims: its commit now references the blobs. */
    void consume(long accountId, Collection<String> sha256s) {
        if (!sha256s.isEmpty()) {
            em.createNativeQuery("delete from pending_uploads where account_id = ?1 and sha256 in (?2)")
                    .setParameter(1, accountId).setParameter(2, sha256s).executeUpdate();
        }
    }
}
