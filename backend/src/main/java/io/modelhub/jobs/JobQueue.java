package io.modelhub.jobs;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.FileChange;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.JsonText;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.runners.RecipeInfo;
import io.modelhub.runners.RunnerService;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.blobs.StoredBlob;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import io.modelhub.platform.ModelHubConfig;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The queue as runners see it. A claim takes the best queued job the runner can run
 * ({@code FOR UPDATE SKIP LOCKED}, so concurrent claims never take the same job and never wait on each other)
 * and holds it under a lease that heartbeats extend. A lease that runs out requeues the job for its next
 * attempt, or fails it after the last. Results become visible in one transaction with the job's success.
 */
@ApplicationScoped
public class JobQueue {
    private static final Logger LOG = Logger.getLogger(JobQueue.class);

    @Inject
    EntityManager em;
    @Inject
    JobWakeups wakeups;
    @Inject
    RunnerService runners;
    @Inject
    JobService jobs;
    @Inject
    RepoService repos;
    @Inject
    CommitService commits;
    @Inject
    BlobStore store;
    @Inject
    JsonText json;
    @Inject
    ModelHubConfig config;
    @Inject
    jakarta.enterprise.event.Event<JobSucceeded> succeeded;

    /** What a runner needs to run a claimed job. */
    public record Claim(long jobId, int attempt, String recipe, String recipeVersion, Map<String, Object> params,
                        String baseModel, String baseRevision, String dataset, String datasetRevision, String outputRepo,
                        int leaseSeconds, Checkpoint latestCheckpoint) {
    }

    public record Checkpoint(int epoch, long step, String sha256, long size) {
    }

    public record HeartbeatAnswer(boolean cancel, boolean lost, boolean drain) {
    }

    static void notifyQueued(EntityManager em) {
        em.createNativeQuery("select pg_notify('jobs', 'queued')").getSingleResult();
    }

    /** Long-polls for work: returns a claim, or empty after {@code waitSeconds} with nothing to do. */
    public Optional<Claim> claim(Viewer viewer, long runnerId, int waitSeconds) throws InterruptedException {
        long deadline = System.currentTimeMillis() + Math.max(0, Math.min(waitSeconds, 60)) * 1000L;
        while (true) {
            long seen = wakeups.generation();
            // One transaction per attempt: a wake-up reaches every waiting runner, so each attempt must be cheap.
            Optional<Claim> claim = QuarkusTransaction.requiringNew().call(() -> {
                runners.touch(viewer, runnerId, null);
                return tryClaim(runnerId).map(this::claimOf);
            });
            if (claim.isPresent()) {
                return claim;
            }
            if (runners.draining(runnerId)) {
                return Optional.empty();
            }
            long left = deadline - System.currentTimeMillis();
            if (left <= 0) {
                return Optional.empty();
            }
            wakeups.awaitAfter(seen, left);
        }
    }

    Optional<Long> tryClaim(long runnerId) {
        List<?> rows = em.createNativeQuery("with r as (select * from runners where id = ?1 and state = 'active'), "
                        + "c as (select j.id from jobs j, r where j.state = 'queued' and j.gpus <= r.gpu_count "
                        + "and j.gpu_memory_mb <= r.gpu_memory_mb and j.labels <@ r.labels and j.recipe_id = any(r.recipes) "
                        + "order by j.priority desc, j.id for update of j skip locked limit 1) "
                        + "update jobs j set state = 'running', runner_id = ?1, attempt = j.attempt + 1, "
                        + "lease_expires_at = now() + make_interval(secs => ?2), started_at = coalesce(j.started_at, now()) "
                        + "from c where j.id = c.id returning j.id")
                .setParameter(1, runnerId).setParameter(2, config.jobs().leaseSeconds()).getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        long jobId = ((Number) rows.get(0)).longValue();
        log(jobId, "Claimed by runner " + runnerId);
        return Optional.of(jobId);
    }

    Claim claimOf(long jobId) {
        Object[] c = (Object[]) em.createNativeQuery("select attempt, recipe_id, recipe_version, cast(params as text), base_model, "
                + "base_revision, dataset, dataset_revision, output_repo from jobs where id = ?1").setParameter(1, jobId).getSingleResult();
        List<?> cp = em.createNativeQuery("select k.epoch, k.step, k.blob_sha256, b.size from job_checkpoints k "
                        + "join blobs b on b.sha256 = k.blob_sha256 where k.job_id = ?1 order by k.epoch desc limit 1")
                .setParameter(1, jobId).getResultList();
        Checkpoint checkpoint = null;
        if (!cp.isEmpty()) {
            Object[] k = (Object[]) cp.get(0);
            checkpoint = new Checkpoint(((Number) k[0]).intValue(), ((Number) k[1]).longValue(), ((String) k[2]).trim(),
                    ((Number) k[3]).longValue());
        }
        return new Claim(jobId, ((Number) c[0]).intValue(), (String) c[1], (String) c[2], json.readMap((String) c[3]),
                (String) c[4], c[5] == null ? null : ((String) c[5]).trim(), (String) c[6], ((String) c[7]).trim(),
                (String) c[8], config.jobs().leaseSeconds(), checkpoint);
    }

    /** Extends the lease of the job the runner holds; the answer carries a cancel or drain request. */
    @Transactional
    public HeartbeatAnswer heartbeat(Viewer viewer, long runnerId, Long jobId, Map<String, Object> utilisation) {
        runners.touch(viewer, runnerId, utilisation);
        boolean drain = runners.draining(runnerId);
        if (jobId == null) {
            return new HeartbeatAnswer(false, false, drain);
        }
        List<?> rows = em.createNativeQuery("update jobs set lease_expires_at = now() + make_interval(secs => ?3) "
                        + "where id = ?1 and runner_id = ?2 and state = 'running' returning cancel_requested")
                .setParameter(1, jobId).setParameter(2, runnerId).setParameter(3, config.jobs().leaseSeconds()).getResultList();
        return rows.isEmpty() ? new HeartbeatAnswer(false, true, drain) : new HeartbeatAnswer((Boolean) rows.get(0), false, drain);
    }

    /** Requeues (or fails, after the last attempt) every job whose runner stopped sending heartbeats. */
    @Scheduled(every = "${modelhub.jobs.lease-check:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void expireLeases() {
        List<?> rows = em.createNativeQuery("update jobs set state = case when attempt >= max_attempts then 'failed' else 'queued' end, "
                + "error = case when attempt >= max_attempts then 'The runner stopped sending heartbeats on the last attempt ('"
                + " || attempt || ' of ' || max_attempts || ')' else error end, "
                + "finished_at = case when attempt >= max_attempts then now() end, runner_id = null, lease_expires_at = null "
                + "where state = 'running' and lease_expires_at < now() returning id, state, attempt").getResultList();
        boolean requeued = false;
        for (Object row : rows) {
            Object[] c = (Object[]) row;
            long id = ((Number) c[0]).longValue();
            requeued |= c[1].equals("queued");
            log(id, c[1].equals("queued") ? "Lease expired on attempt " + c[2] + ": the runner stopped sending heartbeats; requeued"
                    : "Lease expired on the last attempt: failed");
            LOG.infof("Job %d: lease expired on attempt %s, now %s", id, c[2], c[1]);
        }
        if (requeued) {
            notifyQueued(em);
        }
    }

    /** A runner stopping cleanly gives its job back at once; the attempt does not count. */
    @Transactional
    public void release(Viewer viewer, long runnerId, long jobId) {
        runners.touch(viewer, runnerId, null);
        int n = em.createNativeQuery("update jobs set state = 'queued', attempt = greatest(attempt - 1, 0), runner_id = null, "
                        + "lease_expires_at = null where id = ?1 and runner_id = ?2 and state = 'running'")
                .setParameter(1, jobId).setParameter(2, runnerId).executeUpdate();
        if (n > 0) {
            log(jobId, "Runner " + runnerId + " stopped and gave the job back; requeued");
            notifyQueued(em);
        }
    }

    @Transactional
    public void metrics(Viewer viewer, long runnerId, long jobId, List<JobService.MetricPoint> points) {
        int attempt = requireHolder(viewer, runnerId, jobId);
        for (JobService.MetricPoint p : points) {
            em.createNativeQuery("insert into job_metrics (job_id, attempt, step, name, value) values (?1, ?2, ?3, ?4, ?5)")
                    .setParameter(1, jobId).setParameter(2, attempt).setParameter(3, p.step()).setParameter(4, p.name())
                    .setParameter(5, p.value()).executeUpdate();
        }
    }

    @Transactional
    public void logs(Viewer viewer, long runnerId, long jobId, List<String> lines) {
        requireHolder(viewer, runnerId, jobId);
        lines.forEach(line -> log(jobId, line));
    }

    /** Stores a checkpoint (streamed into the store) as the job's latest for that epoch. */
    public void checkpoint(Viewer viewer, long runnerId, long jobId, int epoch, long step, InputStream body, long size) {
        QuarkusTransaction.requiringNew().run(() -> requireHolder(viewer, runnerId, jobId));
        StoredBlob blob = put(body, size);
        QuarkusTransaction.requiringNew().run(() -> {
            int attempt = requireHolder(viewer, runnerId, jobId);
            registerBlob(blob);
            em.createNativeQuery("insert into job_checkpoints (job_id, attempt, epoch, step, blob_sha256) values (?1, ?2, ?3, ?4, ?5) "
                            + "on conflict (job_id, epoch) do update set attempt = excluded.attempt, step = excluded.step, "
                            + "blob_sha256 = excluded.blob_sha256, created_at = now()")
                    .setParameter(1, jobId).setParameter(2, attempt).setParameter(3, epoch).setParameter(4, step)
                    .setParameter(5, blob.sha256()).executeUpdate();
            log(jobId, "Checkpoint saved at epoch " + epoch + ", step " + step);
        });
    }

    /** Streams the latest checkpoint's bytes to {@code out}. */
    public InputStream openCheckpoint(Viewer viewer, long runnerId, long jobId, String sha256) throws IOException {
        QuarkusTransaction.requiringNew().run(() -> requireHolder(viewer, runnerId, jobId));
        return store.open(sha256, 0, -1);
    }

    /** One file of the model a running attempt produced; committed only by {@link #complete}. */
    public void output(Viewer viewer, long runnerId, long jobId, String path, InputStream body, long size) {
        QuarkusTransaction.requiringNew().run(() -> requireHolder(viewer, runnerId, jobId));
        StoredBlob blob = put(body, size);
        QuarkusTransaction.requiringNew().run(() -> {
            int attempt = requireHolder(viewer, runnerId, jobId);
            registerBlob(blob);
            em.createNativeQuery("insert into job_outputs (job_id, attempt, path, blob_sha256) values (?1, ?2, ?3, ?4) "
                            + "on conflict (job_id, attempt, path) do update set blob_sha256 = excluded.blob_sha256")
                    .setParameter(1, jobId).setParameter(2, attempt).setParameter(3, io.modelhub.commits.RepoPaths.check(path))
                    .setParameter(4, blob.sha256()).executeUpdate();
        });
    }

    /**
     * Success: creates the output repository and commits the attempt's files plus a generated card, and marks
     * the job succeeded, all in one transaction; a second completion (a duplicate runner) finds the job no
     * longer running and commits nothing.
     */
    @Transactional
    public JobService.JobView complete(Viewer viewer, long runnerId, long jobId, Map<String, Object> result) {
        int attempt = requireHolder(viewer, runnerId, jobId);
        Object[] j = (Object[]) em.createNativeQuery("select owner_id, output_repo, recipe_id, recipe_version, cast(params as text), "
                + "base_model, base_revision, dataset, dataset_revision from jobs where id = ?1 for update").setParameter(1, jobId).getSingleResult();
        Account owner = Account.findById(((Number) j[0]).longValue());
        Viewer ownerViewer = Viewer.session(owner);
        List<FileChange> changes = new ArrayList<>();
        for (Object row : em.createNativeQuery("select o.path, b.sha256, b.git_sha1, b.size from job_outputs o join blobs b "
                + "on b.sha256 = o.blob_sha256 where o.job_id = ?1 and o.attempt = ?2").setParameter(1, jobId).setParameter(2, attempt).getResultList()) {
            Object[] c = (Object[]) row;
            if (!((String) c[0]).equalsIgnoreCase("README.md")) {
                changes.add(FileChange.put((String) c[0], new StoredBlob(((String) c[1]).trim(), ((String) c[2]).trim(), ((Number) c[3]).longValue())));
            }
        }
        Map<String, Object> params = json.readMap((String) j[4]);
        String outputRepo = (String) j[1];
        String commitId = null;
        // A recipe that produces no model (an evaluation) has no output repository: nothing is committed.
        if (outputRepo != null) {
            if (changes.isEmpty()) {
                throw ApiException.badRequest("Job " + jobId + " has no outputs to commit: upload them first");
            }
            // the task the recipe publishes (fill-mask for masked-token pre-training, ...), so the model is catalogued as it is
            String task = runners.recipe((String) j[2]).flatMap(RecipeInfo::pipelineTag).orElse(null);
            String card = JobCard.render(jobId, (String) j[2], task, (String) j[3], params, (String) j[5],
                    j[6] == null ? null : ((String) j[6]).trim(), (String) j[7], ((String) j[8]).trim(), result);
            changes.add(FileChange.put("README.md", commits.storeSmall(card)));
            RepoName output = RepoName.parse(RepoType.MODEL, outputRepo);
            Repo repo = repos.find(output).orElseGet(() -> repos.create(ownerViewer, output, false));
            commitId = commits.commit(repo, CommitService.DEFAULT_BRANCH, null, changes, "Trained by job " + jobId, "", ownerViewer).id;
        }
        em.createNativeQuery("update jobs set state = 'succeeded', finished_at = now(), result = cast(?2 as jsonb), output_commit = ?3, "
                        + "lease_expires_at = null where id = ?1")
                .setParameter(1, jobId).setParameter(2, json.write(result)).setParameter(3, commitId).executeUpdate();
        log(jobId, commitId == null ? "Succeeded" : "Succeeded: committed " + outputRepo + "@" + commitId.substring(0, 10));
        succeeded.fire(new JobSucceeded(jobId, owner.id, (String) j[2], (String) j[3], params, outputRepo, commitId,
                result == null ? Map.of() : result));
        return jobs.get(ownerViewer, jobId);
    }

    /** The runner reports a failure, or confirms a cancel it was asked for. */
    @Transactional
    public void fail(Viewer viewer, long runnerId, long jobId, String error, boolean cancelled) {
        requireHolder(viewer, runnerId, jobId);
        em.createNativeQuery("update jobs set state = case when ?3 and cancel_requested then 'cancelled' else 'failed' end, "
                        + "error = ?2, finished_at = now(), lease_expires_at = null where id = ?1")
                .setParameter(1, jobId).setParameter(2, error).setParameter(3, cancelled).executeUpdate();
        log(jobId, (cancelled ? "Cancelled" : "Failed") + (error == null ? "" : ": " + error));
    }

    private int requireHolder(Viewer viewer, long runnerId, long jobId) {
        runners.touch(viewer, runnerId, null);
        List<?> rows = em.createNativeQuery("select attempt from jobs where id = ?1 and runner_id = ?2 and state = 'running'")
                .setParameter(1, jobId).setParameter(2, runnerId).getResultList();
        if (rows.isEmpty()) {
            throw ApiException.conflict("Runner " + runnerId + " does not hold job " + jobId + " (its lease was lost or the job ended)");
        }
        return ((Number) rows.get(0)).intValue();
    }

    private StoredBlob put(InputStream body, long size) {
        try {
            return store.put(body, size);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void registerBlob(StoredBlob blob) {
        em.createNativeQuery("insert into blobs (sha256, size, git_sha1) values (?1, ?2, ?3) on conflict do nothing")
                .setParameter(1, blob.sha256()).setParameter(2, blob.size()).setParameter(3, blob.gitSha1()).executeUpdate();
    }

    private void log(long jobId, String line) {
        em.createNativeQuery("insert into job_logs (job_id, attempt, line) select id, attempt, ?2 from jobs where id = ?1")
                .setParameter(1, jobId).setParameter(2, line).executeUpdate();
    }
}
