package io.modelhub.leaderboards;

import io.modelhub.accounts.Account;
import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.jobs.JobService;
import io.modelhub.jobs.JobSpec;
import io.modelhub.jobs.JobState;
import io.modelhub.jobs.JobSucceeded;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.JsonText;
import io.modelhub.platform.Rows;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Evaluations: a model commit scored on a benchmark by an "evaluate" job on a runner. The evaluation row is
 * written with the job; its score and fingerprint arrive in the transaction that marks the job succeeded.
 * Fine-tune jobs that named benchmarks get their evaluations queued right after they succeed.
 */
@ApplicationScoped
public class EvaluationService {
    private static final Logger LOG = Logger.getLogger(EvaluationService.class);
    /** The runner recipe that scores any model whose model_type has an evaluator. */
    public static final String RECIPE = "evaluate";
    public static final long DEFAULT_SEED = 42;

    @Inject
    EntityManager em;
    @Inject
    BenchmarkService benchmarks;
    @Inject
    JobService jobs;
    @Inject
    RepoService repos;
    @Inject
    CommitService commits;
    @Inject
    JsonText json;

    /** model: "namespace/name"; revision: a branch, tag or commit (default main); seed: default 42. */
    public record EvaluationSpec(String model, String revision, Long seed) {
    }

    /** state is the job's (queued, running, succeeded, failed, cancelled). runUrl is the job page. */
    public record EvaluationView(long id, long benchmarkId, String benchmark, String metric, String model, String modelCommit,
                                 Long jobId, String runUrl, String state, Double score, Map<String, Object> scores,
                                 Map<String, Object> fingerprint, String fingerprintSha256, String error, Instant createdAt,
                                 Instant finishedAt) {
    }

    @Transactional
    public EvaluationView evaluate(Viewer viewer, long benchmarkId, EvaluationSpec spec) {
        viewer.requireWriter();
        BenchmarkService.BenchmarkView benchmark = benchmarks.get(benchmarkId);
        if (spec == null || spec.model() == null || spec.model().isBlank()) {
            throw ApiException.badRequest("An evaluation needs a model ('namespace/name')");
        }
        Repo model = repos.visible(viewer, RepoName.parse(RepoType.MODEL, spec.model().trim()));
        String commit = commits.resolve(model, spec.revision());
        long seed = spec.seed() == null ? DEFAULT_SEED : spec.seed();
        if (seed < 0 || seed > Integer.MAX_VALUE) {
            throw ApiException.badRequest("seed must be between 0 and " + Integer.MAX_VALUE);
        }
        Map<String, Object> params = new LinkedHashMap<>();
        params.put("split", benchmark.split());
        params.put("metric", benchmark.metric());
        params.put("seed", seed);
        JobService.JobView job = jobs.submit(viewer, new JobSpec(RECIPE, model.fullId(), commit, benchmark.dataset(),
                benchmark.datasetRevision(), params, null, null, null, null, null, null));
        Number id = (Number) em.createNativeQuery("insert into evaluations (benchmark_id, repo_id, model_commit, job_id, seed) "
                        + "values (?1, ?2, ?3, ?4, ?5) returning id")
                .setParameter(1, benchmarkId).setParameter(2, model.id).setParameter(3, commit).setParameter(4, job.id())
                .setParameter(5, seed).getSingleResult();
        return get(viewer, id.longValue());
    }

    /**
     * The same model commit, benchmark and seed again: with the same fingerprint it must reproduce the score. Only the
     * model's writers, the evaluation's submitter and admins may: a rerun spends runner time on someone else's model,
     * and anyone who can see a public benchmark could otherwise queue it again and again.
     */
    @Transactional
    public EvaluationView rerun(Viewer viewer, long evaluationId) {
        EvaluationView e = get(viewer, evaluationId);
        viewer.requireWriter();
        Repo model = repos.visible(viewer, RepoName.parse(RepoType.MODEL, e.model()));
        boolean submitter = e.jobId() != null && !em.createNativeQuery("select 1 from jobs where id = ?1 and owner_id = ?2")
                .setParameter(1, e.jobId()).setParameter(2, viewer.accountId()).getResultList().isEmpty();
        if (!viewer.admin() && !submitter && !RepoService.canWrite(viewer, model)) {
            throw ApiException.forbidden("Only the writers of " + e.model() + ", whoever submitted evaluation " + evaluationId
                    + " and admins may rerun it");
        }
        return evaluate(viewer, e.benchmarkId(), new EvaluationSpec(e.model(), e.modelCommit(), seedOf(evaluationId)));
    }

    @Transactional
    public EvaluationView get(Viewer viewer, long id) {
        return find(viewer, "e.id = ?1", id).stream().findFirst()
                .orElseThrow(() -> new ApiException(404, null, "Evaluation " + id + " not found"));
    }

    /** A model's evaluations (newest first), for its page and the API. */
    @Transactional
    public List<EvaluationView> forModel(Viewer viewer, String modelId) {
        Repo model = repos.visible(viewer, RepoName.parse(RepoType.MODEL, modelId));
        return find(viewer, "e.repo_id = ?1", model.id);
    }

    @Transactional
    public List<EvaluationView> forBenchmark(Viewer viewer, long benchmarkId) {
        benchmarks.get(benchmarkId);
        return find(viewer, "e.benchmark_id = ?1", benchmarkId);
    }

    private long seedOf(long evaluationId) {
        return ((Number) em.createNativeQuery("select seed from evaluations where id = ?1").setParameter(1, evaluationId)
                .getSingleResult()).longValue();
    }

    private List<EvaluationView> find(Viewer viewer, String where, Object param) {
        List<EvaluationView> out = new ArrayList<>();
        for (Object row : em.createNativeQuery("select e.id, b.id as benchmark_id, b.name as benchmark, b.metric, "
                        + "r.namespace || '/' || r.name as model, e.model_commit, e.job_id, "
                        + "coalesce(j.state, case when e.score is null then 'unknown' else " + JobState.SUCCEEDED.sql() + " end) as state, e.score, "
                        + "cast(e.scores as text) as scores, cast(e.fingerprint as text) as fingerprint, e.fingerprint_sha256, j.error, "
                        + "e.created_at, e.finished_at "
                        + "from evaluations e join benchmarks b on b.id = e.benchmark_id join repos r on r.id = e.repo_id "
                        + "left join jobs j on j.id = e.job_id where " + where + " and " + LeaderboardService.visibleRepo("r", viewer)
                        + " order by e.id desc limit 1000", Tuple.class)
                .setParameter(1, param).getResultList()) {
            Tuple c = (Tuple) row;
            Long jobId = Rows.longOrNull(c, "job_id");
            String scores = c.get("scores", String.class), fingerprint = c.get("fingerprint", String.class);
            Object fingerprintSha256 = c.get("fingerprint_sha256");
            out.add(new EvaluationView(c.get("id", Number.class).longValue(), c.get("benchmark_id", Number.class).longValue(),
                    c.get("benchmark", String.class), c.get("metric", String.class), c.get("model", String.class),
                    c.get("model_commit").toString().trim(), jobId, jobId == null ? null : runUrl(jobId), c.get("state", String.class),
                    Rows.doubleOrNull(c, "score"), scores == null ? null : json.readMap(scores),
                    fingerprint == null ? null : json.readMap(fingerprint), fingerprintSha256 == null ? null : fingerprintSha256.toString().trim(),
                    c.get("error", String.class), c.get("created_at", Instant.class), c.get("finished_at", Instant.class)));
        }
        return out;
    }

    /** The job page's route in the UI. */
    public static String runUrl(long jobId) {
        return "/jobs/" + jobId;
    }

    /** Records the score and fingerprint of an evaluation job, atomically with its success. */
    void onJobSucceeded(@Observes JobSucceeded event) {
        List<?> rows = em.createNativeQuery("select e.id, r.namespace || '/' || r.name as model, e.model_commit, b.dataset, "
                        + "b.dataset_revision, b.split, b.metric, e.seed from evaluations e join benchmarks b on b.id = e.benchmark_id "
                        + "join repos r on r.id = e.repo_id where e.job_id = ?1", Tuple.class)
                .setParameter(1, event.jobId()).getResultList();
        if (rows.isEmpty()) {
            return;
        }
        Tuple c = (Tuple) rows.get(0);
        Map<String, Object> scores = new LinkedHashMap<>(event.result());
        Object details = scores.remove("details");
        Object score = scores.get("score");
        if (!(score instanceof Number n) || !Double.isFinite(n.doubleValue())) {
            throw ApiException.badRequest("Evaluation job " + event.jobId() + " reported no numeric 'score' (got " + event.result() + ")");
        }
        Map<String, Object> fingerprint = Fingerprint.of(event.recipe(), event.recipeVersion(), c.get("model", String.class),
                c.get("model_commit").toString().trim(), c.get("dataset", String.class), c.get("dataset_revision").toString().trim(),
                c.get("split", String.class), c.get("metric", String.class), c.get("seed", Number.class).longValue(), details);
        em.createNativeQuery("update evaluations set score = ?2, scores = cast(?3 as jsonb), fingerprint = cast(?4 as jsonb), "
                        + "fingerprint_sha256 = ?5, finished_at = now() where id = ?1")
                .setParameter(1, c.get("id", Number.class).longValue()).setParameter(2, ((Number) score).doubleValue())
                .setParameter(3, json.write(scores)).setParameter(4, json.write(fingerprint))
                .setParameter(5, Fingerprint.sha256(fingerprint)).executeUpdate();
    }

    /**
     * Queues the evaluations a succeeded job asked for on its output, after its success is committed: a benchmark
     * that cannot take the model (deleted meanwhile, wrong modality) is logged on the job, not a failed training.
     */
    void queueFollowUps(@Observes(during = TransactionPhase.AFTER_SUCCESS) JobSucceeded event) {
        if (event.outputCommit() == null) {
            return;
        }
        List<Long> benchmarkIds = QuarkusTransaction.requiringNew().call(() -> em.createNativeQuery(
                        "select benchmark_id from job_followup_benchmarks where job_id = ?1 order by benchmark_id")
                .setParameter(1, event.jobId()).getResultList().stream().map(o -> ((Number) o).longValue()).toList());
        for (long benchmarkId : benchmarkIds) {
            try {
                QuarkusTransaction.requiringNew().run(() -> {
                    Viewer owner = Viewer.session(Account.findById(event.ownerId()));
                    EvaluationView e = evaluate(owner, benchmarkId, new EvaluationSpec(event.outputRepo(), event.outputCommit(), null));
                    jobLog(event.jobId(), "Queued evaluation " + e.id() + " on benchmark " + e.benchmark() + " (job " + e.jobId() + ")");
                });
            } catch (RuntimeException e) {
                LOG.warnf("Job %d: could not queue its evaluation on benchmark %d: %s", event.jobId(), benchmarkId, e.getMessage());
                QuarkusTransaction.requiringNew().run(() -> jobLog(event.jobId(),
                        "Could not queue the evaluation on benchmark " + benchmarkId + ": " + e.getMessage()));
            }
        }
    }

    private void jobLog(long jobId, String line) {
        em.createNativeQuery("insert into job_logs (job_id, attempt, line) select id, attempt, ?2 from jobs where id = ?1")
                .setParameter(1, jobId).setParameter(2, line).executeUpdate();
    }
}
