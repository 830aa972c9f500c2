package io.modelhub.blobs;

import io.modelhub.storage.blobs.BlobStore;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Garbage collection by reference: a blob no commit refers to is deleted from the store and the database.
 * Blobs younger than the grace period are kept, because an upload stores its blob before the commit that
 * refers to it (a few milliseconds in the UI, minutes for an HF client's LFS upload then commit).
 */
@ApplicationScoped
public class BlobCollector {
    private static final Logger LOG = Logger.getLogger(BlobCollector.class);
    static final Duration GRACE = Duration.ofHours(6);

    @Inject
    EntityManager em;
    @Inject
    BlobStore store;

    public record Result(int rowsDeleted, int orphanObjectsDeleted, int stagingDeleted) {
    }

    @Scheduled(every = "1h", delayed = "10m", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        collect(GRACE);
    }

    /**
     * After a repository is deleted: frees exactly the blobs its commits used that no commit uses any more. Only
     * those candidates are looked at, so an upload elsewhere that has stored a blob but not yet committed it is
     * never touched.
     */
    public int freeIfUnreferenced(Collection<String> candidates) {
        if (candidates.isEmpty()) {
            return 0;
        }
        List<String> freed = deleteUnreferencedRows(candidates);
        freed.forEach(store::delete);
        return freed.size();
    }

    /** The full sweep: unreferenced rows and orphan objects older than {@code grace}, stale staging uploads. */
    public Result collect(Duration grace) {
        Duration objectGrace = grace;
        List<String> freed = deleteUnreferencedRows(grace);
        for (String sha256 : freed) {
            store.delete(sha256);
        }
        // Objects with no row at all: an upload that stored its blob but never committed (crash, abort).
        Set<String> known = new HashSet<>(knownBlobs());
        Instant cutoff = Instant.now().minus(objectGrace);
        List<String> orphans = new ArrayList<>();
        store.forEachBlob(b -> {
            if (!known.contains(b.sha256()) && b.lastModified().isBefore(cutoff)) {
                orphans.add(b.sha256());
            }
        });
        orphans.forEach(store::delete);
        int staging = store.deleteStaleStaging(objectGrace);
        if (!freed.isEmpty() || !orphans.isEmpty() || staging > 0) {
            LOG.infof("Blob GC: %d unreferenced, %d orphan objects, %d stale staging uploads deleted",
                    freed.size(), orphans.size(), staging);
        }
        return new Result(freed.size(), orphans.size(), staging);
    }

    @Transactional
    List<String> deleteUnreferencedRows(Duration grace) {
        @SuppressWarnings("unchecked")
        List<String> rows = em.createNativeQuery("delete from blobs b where b.created_at <= now() - make_interval(secs => ?1) "
                        + "and not exists (select 1 from commit_files f where f.blob_sha256 = b.sha256) "
                        + "and not exists (select 1 from job_checkpoints k where k.blob_sha256 = b.sha256) "
                        + "and not exists (select 1 from job_outputs o where o.blob_sha256 = b.sha256) returning b.sha256")
                .setParameter(1, (double) grace.toSeconds()).getResultList();
        return rows.stream().map(String::trim).toList();
    }

    @Transactional
    List<String> deleteUnreferencedRows(Collection<String> candidates) {
        @SuppressWarnings("unchecked")
        List<String> rows = em.createNativeQuery("delete from blobs b where b.sha256 in (?1) "
                        + "and not exists (select 1 from commit_files f where f.blob_sha256 = b.sha256) "
                        + "and not exists (select 1 from job_checkpoints k where k.blob_sha256 = b.sha256) "
                        + "and not exists (select 1 from job_outputs o where o.blob_sha256 = b.sha256) returning b.sha256")
                .setParameter(1, candidates).getResultList();
        return rows.stream().map(String::trim).toList();
    }

    @Transactional
    @SuppressWarnings("unchecked")
    List<String> knownBlobs() {
        return ((List<String>) em.createNativeQuery("select sha256 from blobs").getResultList())
                .stream().map(String::trim).toList();
    }
}
