package io.modelhub.blobs;

import io.modelhub.commits.BlobClaims;
import io.modelhub.platform.ClusterLocks;
import io.modelhub.platform.ModelHubConfig;
import io.modelhub.storage.blobs.BlobStore;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Garbage collection by reference: a blob no commit, job or pending upload ({@link BlobClaims}) refers to is
 * deleted from the store and the database. The sweep also keeps blobs younger than the grace period, because an
 * upload stores its blob before the commit that refers to it (a few milliseconds in the UI, minutes or hours for
 * an HF client's LFS upload then commit); pending uploads older than the grace period expire.
 */
@ApplicationScoped
@io.quarkus.runtime.Startup
public class BlobCollector {
    private static final Logger LOG = Logger.getLogger(BlobCollector.class);
    static final Duration GRACE = Duration.ofHours(6);

    @Inject
    EntityManager em;
    @Inject
    BlobStore store;
    @Inject
    MeterRegistry registry;
    @Inject
    ClusterLocks cluster;
    @Inject
    ModelHubConfig config;

    /** The store's size as the blobs table counts it (a sum over rows, not a listing of the store), read every 10 s. */
    private final AtomicLong storedBytes = new AtomicLong(), storedBlobs = new AtomicLong();

    @PostConstruct
    void meters() {
        Gauge.builder("modelhub.blob.store.size", storedBytes, AtomicLong::get).baseUnit("bytes").register(registry);
        Gauge.builder("modelhub.blob.store.blobs", storedBlobs, AtomicLong::get).register(registry);
    }

    @Scheduled(every = "10s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    public void refreshMeters() {
        Tuple row = (Tuple) em.createNativeQuery("select count(*) as blobs, coalesce(sum(size), 0) as bytes from blobs", Tuple.class)
                .getSingleResult();
        storedBlobs.set(row.get("blobs", Number.class).longValue());
        storedBytes.set(row.get("bytes", Number.class).longValue());
    }

    /** modelhub_blob_gc_deleted_total{reason}: unreferenced rows, orphan objects, stale staging uploads, a deleted repo's blobs. */
    private void deleted(String reason, int n) {
        registry.counter("modelhub.blob.gc.deleted", "reason", reason).increment(n);
    }

    public record Result(int rowsDeleted, int orphanObjectsDeleted, int stagingDeleted) {
    }

    /**
     * The sweep lists the whole store: with several hub instances on one database, one of them sweeps per period
     * (docs/architecture.md). The period is a setting only so that the two-instance test can watch several of them.
     */
    @Scheduled(every = "${modelhub.blobs.gc-every:1h}", delayed = "${modelhub.blobs.gc-delay:10m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        if (cluster.claimPeriod("blob-gc", config.blobs().gcEvery())) {
            collect(GRACE);
        }
    }

    /**
     * After a repository is deleted: frees exactly the blobs its commits used that no commit, job and pending
     * upload uses any more. Only those candidates are looked at; a blob another user has uploaded (UI, LFS,
     * inline file) but not yet committed is claimed by that upload and stays.
     */
    public int freeIfUnreferenced(Collection<String> candidates) {
        int freed = 0;
        for (String sha256 : candidates) {
            freed += free(sha256, null) ? 1 : 0;
        }
        deleted("repo-deleted", freed);
        return freed;
    }

    /**
     * The full sweep: claims older than {@code grace} expire; then unreferenced, unclaimed rows older than
     * {@code grace}, orphan objects older than {@code grace} and stale staging uploads are deleted.
     */
    public Result collect(Duration grace) {
        QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                        "delete from pending_uploads where claimed_at < now() - make_interval(secs => ?1)")
                .setParameter(1, (double) grace.toSeconds()).executeUpdate());
        @SuppressWarnings("unchecked")
        List<String> candidates = QuarkusTransaction.requiringNew().call(() -> ((List<String>) em.createNativeQuery(
                        "select b.sha256 from blobs b where b.created_at <= now() - make_interval(secs => ?1) " + UNUSED)
                .setParameter(1, (double) grace.toSeconds()).getResultList()).stream().map(String::trim).toList());
        int freed = 0;
        for (String sha256 : candidates) {
            freed += free(sha256, grace) ? 1 : 0;
        }
        // Objects with no row at all: an upload that stored its blob but never committed (crash, abort).
        Set<String> known = new HashSet<>(knownBlobs());
        Instant cutoff = Instant.now().minus(grace);
        List<String> orphans = new ArrayList<>();
        store.forEachBlob(b -> {
            if (!known.contains(b.sha256()) && b.lastModified().isBefore(cutoff)) {
                orphans.add(b.sha256());
            }
        });
        int orphansDeleted = 0;
        for (String sha256 : orphans) {
            orphansDeleted += freeOrphan(sha256) ? 1 : 0;
        }
        int staging = store.deleteStaleStaging(grace);
        registry.counter("modelhub.blob.gc.runs").increment();
        deleted("unreferenced", freed);
        deleted("orphan", orphansDeleted);
        deleted("staging", staging);
        if (freed > 0 || orphansDeleted > 0 || staging > 0) {
            LOG.infof("Blob GC: %d unreferenced, %d orphan objects, %d stale staging uploads deleted",
                    freed, orphansDeleted, staging);
        }
        return new Result(freed, orphansDeleted, staging);
    }

    /** No commit, job checkpoint, job output or pending upload refers to blob {@code b}. */
    private static final String UNUSED = "and not exists (select 1 from commit_files f where f.blob_sha256 = b.sha256) "
            + "and not exists (select 1 from job_checkpoints k where k.blob_sha256 = b.sha256) "
            + "and not exists (select 1 from job_outputs o where o.blob_sha256 = b.sha256) "
            + "and not exists (select 1 from pending_uploads p where p.sha256 = b.sha256)";

    /**
     * Deletes one blob's row and object if nothing uses it (and, with a grace, if it is older than that), under
     * the sha256's lock: a pending upload claiming it at the same moment either comes first (and the blob stays)
     * or finds the object gone and asks its client to send the bytes again. Never a commit of a missing object.
     */
    private boolean free(String sha256, Duration grace) {
        return QuarkusTransaction.requiringNew().call(() -> {
            em.createNativeQuery(BlobClaims.LOCK).setParameter(1, sha256).getSingleResult();
            // without a grace (a repository was just deleted) every unused candidate goes at once
            int deleted = em.createNativeQuery("delete from blobs b where b.sha256 = ?1 "
                            + "and b.created_at <= now() - make_interval(secs => ?2) " + UNUSED)
                    .setParameter(1, sha256).setParameter(2, grace == null ? 0.0 : (double) grace.toSeconds())
                    .executeUpdate();
            if (deleted > 0) {
                deleteObject(sha256);
            }
            return deleted > 0;
        });
    }

    private boolean freeOrphan(String sha256) {
        return QuarkusTransaction.requiringNew().call(() -> {
            em.createNativeQuery(BlobClaims.LOCK).setParameter(1, sha256).getSingleResult();
            Object used = em.createNativeQuery("select exists (select 1 from blobs where sha256 = ?1) "
                    + "or exists (select 1 from pending_uploads where sha256 = ?1)").setParameter(1, sha256).getSingleResult();
            if (Boolean.TRUE.equals(used)) {
                return false;
            }
            deleteObject(sha256);
            return true;
        });
    }

    private void deleteObject(String sha256) {
        try {
            store.delete(sha256);
        } catch (RuntimeException e) {
            // the row is gone: the object is an orphan now, and the next sweep retries
            LOG.warnf("Blob GC: deleting object %s failed (%s); the next sweep retries", sha256, e.getMessage());
        }
    }

    @Transactional
    @SuppressWarnings("unchecked")
    List<String> knownBlobs() {
        return ((List<String>) em.createNativeQuery("select sha256 from blobs").getResultList())
                .stream().map(String::trim).toList();
    }
}
