package io.modelhub.jobs;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.Viewer;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.JsonText;
import io.modelhub.commits.CommitService;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.commits.RepoFile;
import io.modelhub.contract.ParamSpec;
import io.modelhub.contract.RecipeDescriptor;
import io.modelhub.contract.RunnerProtocol;
import io.modelhub.contract.RunnerProtocol.CheckpointRef;
import io.modelhub.contract.RunnerProtocol.Claim;
import io.modelhub.contract.RunnerProtocol.Completion;
import io.modelhub.contract.RunnerProtocol.Failure;
import io.modelhub.contract.RunnerProtocol.HeartbeatAnswer;
import io.modelhub.contract.RunnerProtocol.InputFile;
import io.modelhub.contract.RunnerProtocol.InputListing;
import io.modelhub.contract.RunnerProtocol.JobInput;
import io.modelhub.contract.RunnerProtocol.LogLines;
import io.modelhub.contract.RunnerProtocol.MetricPoint;
import io.modelhub.runners.RunnerIdentity;
import io.modelhub.runners.RunnerRetired;
import io.modelhub.runners.RunnerService;
import io.modelhub.storage.blobs.BlobStore;
import io.modelhub.storage.blobs.StoredBlob;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.persistence.Tuple;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import io.modelhub.platform.ChangeNotifications;
import io.modelhub.platform.ModelHubConfig;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

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
    JobMetrics metrics;
    @Inject
    EntityManager em;
    @Inject
    JobWakeups wakeups;
    @Inject
    ChangeNotifications notifications;
    @Inject
    RunnerService runners;
    @Inject
    JobService jobs;
    @Inject
    JobTransitions transitions;
    @Inject
    JobPublisher publisher;
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

    private final Map<String, RecipeDescriptor> recipeVersions = new ConcurrentHashMap<>();



    /**
     * Long-polls for work: returns a claim, or empty after {@code waitSeconds} with nothing to do. The claim sleeps
     * between looks until a wake-up for a job its runner can run is handed to it ({@link JobWakeups}).
     */
    public Optional<Claim> claim(RunnerIdentity runner, long runnerId, int waitSeconds) throws InterruptedException {
        long deadline = System.currentTimeMillis() + Math.max(0, Math.min(waitSeconds, 60)) * 1000L;
        JobWakeups.Waiter[] waiter = new JobWakeups.Waiter[1];
        try {
            while (true) {
                if (waiter[0] != null) {
                    waiter[0].looking();
                }
                Look look = QuarkusTransaction.requiringNew().call(() -> {
                    runners.touch(runner, runnerId, null);
                    Tuple me = (Tuple) em.createNativeQuery("select state, recipes, gpu_count, gpu_memory_mb, labels from runners "
                            + "where id = ?1", Tuple.class).setParameter(1, runnerId).getSingleResult();
                    JobWakeups.Offer offer = new JobWakeups.Offer(Set.copyOf(Arrays.asList(me.get("recipes", String[].class))),
                            me.get("gpu_count", Number.class).intValue(), me.get("gpu_memory_mb", Number.class).longValue(),
                            Set.copyOf(Arrays.asList(me.get("labels", String[].class))));
                    if (waiter[0] == null) {
                        // before the first look: a job queued from here on wakes this claim, one queued before it is seen
                        waiter[0] = wakeups.enlist(runnerId, offer);
                    }
                    if ("draining".equals(me.get("state", String.class))) {
                        return new Look(null, offer, true);
                    }
                    return new Look(tryClaim(runnerId).orElse(null), offer, false);
                });
                if (look.draining()) {
                    return Optional.empty();
                }
                waiter[0].looked(look.claim() == null ? null : look.claim().jobId(), look.offer());
                if (look.claim() != null) {
                    return Optional.of(look.claim());
                }
                long left = deadline - System.currentTimeMillis();
                if (left <= 0) {
                    return Optional.empty();
                }
                waiter[0].await(left);
            }
        } finally {
            if (waiter[0] != null) {
                wakeups.leave(waiter[0]);
            }
        }
    }

    /** One look at the queue: the job claimed (or null), what the runner offers, whether it is draining. */
    private record Look(Claim claim, JobWakeups.Offer offer, boolean draining) {
    }

    /**
     * Claims the best queued job the runner can run, in one statement: the pick locks it (skip locked: concurrent
     * claims take different jobs and never wait on each other), the move makes it the runner's under a lease, and
     * answers what the claim hands the runner.
     */
    Optional<Claim> tryClaim(long runnerId) {
        Optional<Tuple> moved = transitions.movePicked(JobState.QUEUED, JobState.RUNNING,
                "select j.id from jobs j join runners r on r.id = :runner and r.state = 'active' where j.state = :from "
                        + "and j.gpus <= r.gpu_count and j.gpu_memory_mb <= r.gpu_memory_mb and j.labels <@ r.labels "
                        + "and (j.recipe_id || '@' || j.recipe_version) = any(r.recipes) "
                        + "order by j.priority desc, j.id for update of j skip locked limit 1",
                "runner_id = :runner, attempt = attempt + 1, lease_expires_at = now() + make_interval(secs => :lease), "
                        + "started_at = coalesce(started_at, now())",
                "attempt, recipe_id, recipe_version, cast(params as text) as params, output_repo, base_model, base_revision, "
                        + "dataset, dataset_revision, extract(epoch from started_at - created_at) as waited, "
                        + "(select cast(json_build_object('epoch', k.epoch, 'step', k.step, 'sha256', k.blob_sha256, 'size', b.size) "
                        + "as text) from job_checkpoints k join blobs b on b.sha256 = k.blob_sha256 where k.job_id = jobs.id "
                        + "order by k.epoch desc limit 1) as checkpoint",
                "runner", runnerId, "lease", config.jobs().leaseSeconds());
        if (moved.isEmpty()) {
            return Optional.empty();
        }
        Tuple j = moved.get();
        long jobId = j.get("id", Number.class).longValue();
        int attempt = j.get("attempt", Number.class).intValue();
        logMoved(jobId, "Claimed by runner " + runnerId);
        if (attempt == 1) {
            metrics.claimed(j.get("recipe_id", String.class), j.get("waited", Number.class).doubleValue());
        }
        CheckpointRef checkpoint = null;
        if (j.get("checkpoint") != null) {
            Map<String, Object> k = json.readMap(j.get("checkpoint", String.class));
            checkpoint = new CheckpointRef(((Number) k.get("epoch")).intValue(), ((Number) k.get("step")).longValue(),
                    k.get("sha256").toString().trim(), ((Number) k.get("size")).longValue());
        }
        return Optional.of(new Claim(jobId, attempt, j.get("recipe_id", String.class), j.get("recipe_version", String.class),
                json.readMap(j.get("params", String.class)), jobInputs(j), j.get("output_repo", String.class),
                config.jobs().leaseSeconds(), checkpoint));
    }

    /** The repositories a job reads, each pinned to the commit its submit resolved: base model, dataset, model parameters. */
    List<JobInput> jobInputs(long jobId) {
        return jobInputs((Tuple) em.createNativeQuery("select recipe_id, recipe_version, cast(params as text) as params, base_model, "
                + "base_revision, dataset, dataset_revision from jobs where id = ?1", Tuple.class).setParameter(1, jobId).getSingleResult());
    }

    /** The inputs of the job row {@code j}: recipe_id, recipe_version, params (as text), base_model, dataset and their revisions. */
    private List<JobInput> jobInputs(Tuple j) {
        List<JobInput> inputs = new ArrayList<>();
        if (j.get("base_model") != null) {
            inputs.add(new JobInput(RunnerProtocol.BASE_MODEL, "model", j.get("base_model", String.class),
                    j.get("base_revision", String.class).trim()));
        }
        inputs.add(new JobInput(RunnerProtocol.DATASET, "dataset", j.get("dataset", String.class),
                j.get("dataset_revision", String.class).trim()));
        Map<String, Object> params = json.readMap(j.get("params", String.class));
        recipe(j.get("recipe_id", String.class), j.get("recipe_version", String.class)).ifPresent(recipe -> {
            for (ParamSpec p : recipe.parameters()) {
                Object pinned = params.get(p.name());
                if (p.isModel() && pinned != null) {
                    String value = pinned.toString();
                    int at = value.lastIndexOf('@');
                    inputs.add(new JobInput(p.name(), "model", value.substring(0, at), value.substring(at + 1)));
                }
            }
        });
        return inputs;
    }

    /** A published recipe version never changes (RunnerService refuses another schema under it): it is read once. */
    private Optional<RecipeDescriptor> recipe(String id, String version) {
        RecipeDescriptor known = recipeVersions.get(id + "@" + version);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<RecipeDescriptor> read = runners.recipe(id, version);
        read.ifPresent(r -> recipeVersions.put(r.key(), r));
        return read;
    }

    /** Extends the lease of the job the runner holds; the answer carries a cancel or drain request. */
    @Transactional
    public HeartbeatAnswer heartbeat(RunnerIdentity runner, long runnerId, RunnerProtocol.Heartbeat beat) {
        runners.touch(runner, runnerId, beat == null ? null : beat.utilisation());
        boolean drain = runners.draining(runnerId);
        if (beat == null || beat.jobId() == null) {
            return new HeartbeatAnswer(false, false, drain);
        }
        List<?> rows = em.createNativeQuery("update jobs set lease_expires_at = now() + make_interval(secs => ?3) "
                        + "where id = ?1 and runner_id = ?2 and state = ?5 and (cast(?4 as integer) is null or attempt = ?4) "
                        + "returning cancel_requested")
                .setParameter(1, beat.jobId()).setParameter(2, runnerId).setParameter(3, config.jobs().leaseSeconds())
                .setParameter(4, beat.attempt()).setParameter(5, JobState.RUNNING.wire()).getResultList();
        if (rows.isEmpty()) {
            return new HeartbeatAnswer(false, true, drain);
        }
        if (beat.utilisation() != null) {
            // the job page shows its runner's use; only the job's holder may make its pages reload
            notifications.publish(ChangeNotifications.job(beat.jobId()));
        }
        return new HeartbeatAnswer((Boolean) rows.get(0), false, drain);
    }

    /** Requeues (or fails, after the last attempt) every job whose runner stopped sending heartbeats. */
    @Scheduled(every = "${modelhub.jobs.lease-check:5s}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void expireLeases() {
        // skip locked: a job a runner is completing right now keeps its row lock and is looked at next time
        List<?> rows = em.createNativeQuery("select id, attempt, max_attempts, cancel_requested from jobs where state = ?1 "
                + "and lease_expires_at < now() for update skip locked", Tuple.class).setParameter(1, JobState.RUNNING.wire()).getResultList();
        List<Long> requeued = new ArrayList<>();
        for (Object row : rows) {
            Tuple t = (Tuple) row;
            long id = t.get("id", Number.class).longValue();
            int attempt = t.get("attempt", Number.class).intValue();
            int maxAttempts = t.get("max_attempts", Number.class).intValue();
            if (t.get("cancel_requested", Boolean.class)) {
                cancelAsked(id, "Lease expired on attempt " + attempt + " after the cancel was asked: cancelled");
                continue;
            }
            JobState next = attempt >= maxAttempts ? JobState.FAILED : JobState.QUEUED;
            if (next == JobState.QUEUED) {
                transitions.move(id, next, "runner_id = null, lease_expires_at = null, finished_at = null");
                requeued.add(id);
                logMoved(id, "Lease expired on attempt " + attempt + ": the runner stopped sending heartbeats; requeued");
            } else {
                transitions.move(id, next, "runner_id = null, lease_expires_at = null, finished_at = now(), error = :error", "error",
                        "The runner stopped sending heartbeats on the last attempt (" + attempt + " of " + maxAttempts + ")");
                logMoved(id, "Lease expired on the last attempt: failed");
            }
            LOG.infof("Job %d: lease expired on attempt %d, now %s", id, attempt, next);
        }
        requeued.forEach(wakeups::queued);
    }

    /** A runner stopping cleanly gives its job back at once; the attempt does not count. */
    @Transactional
    public void release(RunnerIdentity runner, RunnerLease lease) {
        requireHolder(runner, lease);
        giveBack(lease.runnerId(), "Runner " + lease.runnerId() + " stopped and gave the job back; requeued",
                "Runner " + lease.runnerId() + " stopped before confirming the cancel; cancelled");
    }

    /** A runner that restarted, or whose credential was revoked, can no longer finish what it held. */
    void onRunnerRetired(@Observes RunnerRetired event) {
        giveBack(event.runnerId(), "Requeued: " + event.reason(), "Cancelled, as asked: " + event.reason());
    }

    private void giveBack(long runnerId, String requeued, String cancelled) {
        List<?> jobs = em.createNativeQuery("select id, cancel_requested from jobs where runner_id = ?1 and state = ?2 for update",
                        Tuple.class).setParameter(1, runnerId).setParameter(2, JobState.RUNNING.wire()).getResultList();
        List<Long> queuedAgain = new ArrayList<>();
        for (Object row : jobs) {
            Tuple t = (Tuple) row;
            long id = t.get("id", Number.class).longValue();
            if (t.get("cancel_requested", Boolean.class)) {
                cancelAsked(id, cancelled);
                continue;
            }
            transitions.move(id, JobState.QUEUED, "attempt = greatest(attempt - 1, 0), runner_id = null, lease_expires_at = null");
            logMoved(id, requeued);
            queuedAgain.add(id);
        }
        queuedAgain.forEach(wakeups::queued);
    }

    /**
     * A job whose owner asked to cancel it and whose runner is gone before confirming: it ends cancelled. Queued again,
     * the next runner would start it over only to be told to stop, or, with no runner confirming, it would never end.
     */
    private void cancelAsked(long id, String why) {
        transitions.move(id, JobState.CANCELLED, "runner_id = null, lease_expires_at = null, finished_at = now()");
        logMoved(id, why);
        LOG.infof("Job %d: its runner is gone after a cancel was asked; cancelled", id);
    }

    /** The pinned inputs of the held job, each with its files (what the runner downloads and verifies). */
    @Transactional
    public List<InputListing> inputs(RunnerIdentity runner, RunnerLease lease) {
        requireHolder(runner, lease);
        List<InputListing> out = new ArrayList<>();
        for (JobInput input : jobInputs(lease.jobId())) {
            List<InputFile> files = commits.files(pinned(input)).stream()
                    .map(f -> new InputFile(f.path(), f.size(), f.lfs() ? f.sha256() : null, f.gitSha1())).toList();
            out.add(new InputListing(input.role(), input.repo(), input.revision(), files));
        }
        return out;
    }

    /** One file of one of the held job's inputs, at its pinned commit; nothing outside them. */
    @Transactional
    public RepoFile inputFile(RunnerIdentity runner, RunnerLease lease, String role, String path) {
        // No touch here: a runner fetches many files at once, and touch's row lock on the runner, held to the end of
        // each transaction, queued those requests one behind the other (issue 17). Its heartbeats keep it alive, and
        // the credential filter has just checked the credential.
        runners.authorize(runner, lease.runnerId());
        holderAttempt(lease);
        JobInput input = jobInputs(lease.jobId()).stream().filter(i -> i.role().equals(role)).findFirst()
                .orElseThrow(() -> ApiException.notFound("Job " + lease.jobId() + " has no input '" + role + "'"));
        return commits.file(pinned(input), path).orElseThrow(() -> ApiException.entryNotFound(path));
    }

    /**
     * The named files of one of the held job's inputs, at its pinned commit, in the order asked: what one archive
     * stream carries. The lease and the revision are checked once for the whole list, which is what makes an archive
     * cheaper for the hub than a request per file. 404 names the first path the commit lacks.
     */
    @Transactional
    public List<RepoFile> inputFiles(RunnerIdentity runner, RunnerLease lease, String role, List<String> paths) {
        runners.authorize(runner, lease.runnerId());
        holderAttempt(lease);
        if (paths == null || paths.isEmpty()) {
            throw ApiException.badRequest("Name the files to send: {\"paths\": [\"data/0.png\", ...]}");
        }
        JobInput input = jobInputs(lease.jobId()).stream().filter(i -> i.role().equals(role)).findFirst()
                .orElseThrow(() -> ApiException.notFound("Job " + lease.jobId() + " has no input '" + role + "'"));
        Map<String, RepoFile> byPath = new HashMap<>();
        for (RepoFile f : commits.files(pinned(input))) {
            byPath.put(f.path(), f);
        }
        List<RepoFile> out = new ArrayList<>(paths.size());
        for (String path : new LinkedHashSet<>(paths)) {
            RepoFile f = byPath.get(path);
            if (f == null) {
                throw ApiException.entryNotFound(path);
            }
            out.add(f);
        }
        return out;
    }

    /** The commit of an input, checked to still belong to its repository. */
    private String pinned(JobInput input) {
        RepoType type = input.type().equals("dataset") ? RepoType.DATASET : RepoType.MODEL;
        Repo repo = repos.find(RepoName.parse(type, input.repo()))
                .orElseThrow(() -> ApiException.notFound("Input " + input.repo() + " of this job no longer exists"));
        return commits.resolve(repo, input.revision());
    }

    @Transactional
    public void metrics(RunnerIdentity runner, RunnerLease lease, List<MetricPoint> points) {
        int attempt = requireHolder(runner, lease);
        long jobId = lease.jobId();
        for (MetricPoint p : points == null ? List.<MetricPoint>of() : points) {
            em.createNativeQuery("insert into job_metrics (job_id, attempt, step, name, value) values (?1, ?2, ?3, ?4, ?5)")
                    .setParameter(1, jobId).setParameter(2, attempt).setParameter(3, p.step()).setParameter(4, p.name())
                    .setParameter(5, p.value()).executeUpdate();
        }
        notifications.publish(ChangeNotifications.job(jobId));
    }

    @Transactional
    public void logs(RunnerIdentity runner, RunnerLease lease, LogLines lines) {
        requireHolder(runner, lease);
        (lines == null || lines.lines() == null ? List.<String>of() : lines.lines()).forEach(line -> log(lease.jobId(), line));
    }

    /** Stores a checkpoint (streamed into the store) as the job's latest for that epoch. */
    public void checkpoint(RunnerIdentity runner, RunnerLease lease, int epoch, long step, InputStream body, long size) {
        long jobId = lease.jobId();
        QuarkusTransaction.requiringNew().run(() -> requireHolder(runner, lease));
        StoredBlob blob = put(body, size);
        QuarkusTransaction.requiringNew().run(() -> {
            int attempt = requireHolder(runner, lease);
            registerBlob(blob);
            em.createNativeQuery("insert into job_checkpoints (job_id, attempt, epoch, step, blob_sha256) values (?1, ?2, ?3, ?4, ?5) "
                            + "on conflict (job_id, epoch) do update set attempt = excluded.attempt, step = excluded.step, "
                            + "blob_sha256 = excluded.blob_sha256, created_at = now()")
                    .setParameter(1, jobId).setParameter(2, attempt).setParameter(3, epoch).setParameter(4, step)
                    .setParameter(5, blob.sha256()).executeUpdate();
            log(jobId, "Checkpoint saved at epoch " + epoch + ", step " + step);
        });
    }

    /** The bytes of one of the held job's own checkpoints (an earlier attempt's, to resume from). */
    public InputStream openCheckpoint(RunnerIdentity runner, RunnerLease lease, int epoch) throws IOException {
        String sha256 = QuarkusTransaction.requiringNew().call(() -> {
            requireHolder(runner, lease);
            List<?> rows = em.createNativeQuery("select blob_sha256 from job_checkpoints where job_id = ?1 and epoch = ?2")
                    .setParameter(1, lease.jobId()).setParameter(2, epoch).getResultList();
            if (rows.isEmpty()) {
                throw ApiException.notFound("Job " + lease.jobId() + " has no checkpoint of epoch " + epoch);
            }
            return rows.get(0).toString().trim();
        });
        return store.open(sha256, 0, -1);
    }

    /** One file of the model a running attempt produced; committed only by {@link #complete}. */
    public void output(RunnerIdentity runner, RunnerLease lease, String path, InputStream body, long size) {
        long jobId = lease.jobId();
        String checked = io.modelhub.commits.RepoPaths.check(path);
        QuarkusTransaction.requiringNew().run(() -> requireHolder(runner, lease));
        StoredBlob blob = put(body, size);
        QuarkusTransaction.requiringNew().run(() -> {
            int attempt = requireHolder(runner, lease);
            registerBlob(blob);
            em.createNativeQuery("insert into job_outputs (job_id, attempt, path, blob_sha256) values (?1, ?2, ?3, ?4) "
                            + "on conflict (job_id, attempt, path) do update set blob_sha256 = excluded.blob_sha256")
                    .setParameter(1, jobId).setParameter(2, attempt).setParameter(3, checked)
                    .setParameter(4, blob.sha256()).executeUpdate();
        });
    }

    /**
     * Success: publishes the attempt's model ({@link JobPublisher}) and marks the job succeeded, in one transaction;
     * a second completion (a duplicate runner) waits on the job's row, then finds it no longer running and commits
     * nothing.
     */
    @Transactional
    public JobService.JobView complete(RunnerIdentity runner, RunnerLease lease, Completion completion) {
        long jobId = lease.jobId();
        // every runner call locks its runner's row before the job's (a heartbeat does): the same order here, no deadlock
        requireHolder(runner, lease);
        transitions.lock(jobId);
        // a duplicate completion waited on the lock above; now it finds the job no longer running
        int attempt = requireHolder(runner, lease);
        Map<String, Object> result = new LinkedHashMap<>(completion == null ? Map.of() : completion.metrics());
        if (completion != null && !completion.details().isEmpty()) {
            result.put("details", completion.details());
        }
        JobPublisher.Publication published = publisher.publish(jobId, attempt, result);
        String commitId = published.commitId();
        transitions.move(jobId, JobState.SUCCEEDED, "finished_at = now(), result = cast(:result as jsonb), output_commit = :commit, "
                + "lease_expires_at = null", "result", json.write(result), "commit", commitId);
        logMoved(jobId, commitId == null ? "Succeeded" : "Succeeded: committed " + published.outputRepo() + "@" + commitId.substring(0, 10));
        Tuple j = (Tuple) em.createNativeQuery("select owner_id, recipe_id, recipe_version, cast(params as text) as params from jobs "
                + "where id = ?1", Tuple.class).setParameter(1, jobId).getSingleResult();
        Account owner = Account.findById(j.get("owner_id", Number.class).longValue());
        succeeded.fire(new JobSucceeded(jobId, owner.id, j.get("recipe_id", String.class), j.get("recipe_version", String.class),
                json.readMap(j.get("params", String.class)), published.outputRepo(), commitId, result));
        return jobs.get(Viewer.session(owner), jobId);
    }

    /** The runner reports a failure, or confirms a cancel it was asked for. */
    @Transactional
    public void fail(RunnerIdentity runner, RunnerLease lease, Failure failure) {
        requireHolder(runner, lease);
        long jobId = lease.jobId();
        String error = failure == null ? null : failure.error();
        boolean cancelled = failure != null && failure.cancelled();
        // a runner reporting a cancel counts only for a cancel the owner asked for; any other stop is a failure
        boolean asked = (Boolean) em.createNativeQuery("select cancel_requested from jobs where id = ?1").setParameter(1, jobId)
                .getSingleResult();
        JobState end = cancelled && asked ? JobState.CANCELLED : JobState.FAILED;
        transitions.move(jobId, end, "error = :error, finished_at = now(), lease_expires_at = null", "error", error);
        logMoved(jobId, (end == JobState.CANCELLED ? "Cancelled" : "Failed") + (error == null ? "" : ": " + error));
    }

    /**
     * The caller's credential is the runner's, and that runner holds this attempt of the job: the one gate of every
     * runner call about a job (inputs, checkpoints, metrics, outputs, completion).
     */
    private int requireHolder(RunnerIdentity runner, RunnerLease lease) {
        runners.touch(runner, lease.runnerId(), null);
        return holderAttempt(lease);
    }

    /** The attempt the lease names, if the runner still holds it; 409 otherwise. */
    private int holderAttempt(RunnerLease lease) {
        List<?> rows = em.createNativeQuery("select attempt from jobs where id = ?1 and runner_id = ?2 and state = ?4 and attempt = ?3")
                .setParameter(1, lease.jobId()).setParameter(2, lease.runnerId()).setParameter(3, lease.attempt())
                .setParameter(4, JobState.RUNNING.wire()).getResultList();
        if (rows.isEmpty()) {
            throw ApiException.conflict("Runner " + lease.runnerId() + " does not hold attempt " + lease.attempt() + " of job "
                    + lease.jobId() + " (its lease was lost or the job ended)");
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
        logMoved(jobId, line);
        notifications.publish(ChangeNotifications.job(jobId));
    }

    /** A log line of a job whose state move has just notified its page: no second notification. */
    private void logMoved(long jobId, String line) {
        em.createNativeQuery("insert into job_logs (job_id, attempt, line) select id, attempt, ?2 from jobs where id = ?1")
                .setParameter(1, jobId).setParameter(2, line).executeUpdate();
    }
}
