package io.modelhub.jobs;

import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.RepoFile;
import io.modelhub.datasets.DatasetInspector;
import io.modelhub.datasets.DatasetSchema;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.JsonText;
import io.modelhub.platform.PgArrays;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.runners.RecipeInfo;
import io.modelhub.runners.RunnerService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Submitting, reading, cancelling and retrying jobs. The queue side (claims, leases) is {@link JobQueue}. */
@ApplicationScoped
public class JobService {
    @Inject
    EntityManager em;
    @Inject
    JsonText json;
    @Inject
    RepoService repos;
    @Inject
    CommitService commits;
    @Inject
    RunnerService runners;
    @Inject
    DatasetInspector datasets;

    public record JobView(long id, String owner, String recipe, String recipeVersion, Map<String, Object> params,
                          String baseModel, String baseRevision, String dataset, String datasetRevision,
                          String outputRepo, int gpus, long gpuMemoryMb, List<String> labels, int priority, String state,
                          int attempt, int maxAttempts, Long runnerId, boolean cancelRequested, Instant createdAt,
                          Instant startedAt, Instant finishedAt, String error, Map<String, Object> result,
                          String outputCommit, String pendingReason) {
    }

    public record MetricPoint(long step, String name, double value, int attempt) {
    }

    public record LogLine(long id, int attempt, Instant at, String line) {
    }

    /** Validates the spec against the recipe's schema and the inputs, then queues the job. Nothing is queued on error. */
    @Transactional
    public JobView submit(Viewer viewer, JobSpec spec) {
        if (viewer.anonymous() || !viewer.canWrite()) {
            throw ApiException.unauthorized("Submitting a job needs a write token or a signed-in user");
        }
        if (spec == null || spec.recipe() == null || spec.recipe().isBlank()) {
            throw ApiException.badRequest("A job needs a recipe");
        }
        RecipeInfo recipe = runners.recipe(spec.recipe()).orElseThrow(() -> ApiException.badRequest("Unknown recipe '"
                + spec.recipe() + "'. Known: " + String.join(", ", runners.recipes().stream().map(RecipeInfo::id).toList())));
        Map<String, Object> params = JobParams.validate(recipe, spec.params());
        pinModelParams(viewer, recipe, params);

        String baseRevision = null;
        if (recipe.needsBaseModel()) {
            if (spec.baseModel() == null || spec.baseModel().isBlank()) {
                throw ApiException.badRequest("Recipe '" + recipe.id() + "' fine-tunes a base model: set baseModel");
            }
            Repo base = repos.visible(viewer, RepoName.parse(RepoType.MODEL, spec.baseModel()));
            baseRevision = commits.resolve(base, spec.baseRevision());
            if (!base.modality.equals("unknown") && !base.modality.equals(recipe.modality())) {
                throw ApiException.badRequest("Modality mismatch: recipe '" + recipe.id() + "' takes " + recipe.modality()
                        + " models, and " + base.fullId() + " is a " + base.modality + " model");
            }
        }
        if (spec.dataset() == null || spec.dataset().isBlank()) {
            throw ApiException.badRequest("A job needs a dataset");
        }
        Repo dataset = repos.visible(viewer, RepoName.parse(RepoType.DATASET, spec.dataset()));
        String datasetRevision = commits.resolve(dataset, spec.datasetRevision());
        List<RepoFile> datasetFiles = commits.files(datasetRevision);
        DatasetSchema layout = datasets.inspect(datasetFiles);
        if (!layout.modality().equals(recipe.modality())) {
            throw ApiException.badRequest("Modality mismatch: recipe '" + recipe.id() + "' takes " + recipe.modality()
                    + " data, and dataset " + dataset.fullId() + " holds " + layout.modality() + " files");
        }
        if (recipe.task().endsWith("classification") && layout.labels().size() < 2) {
            throw ApiException.badRequest("Dataset " + dataset.fullId() + " has no labels: a classification recipe needs "
                    + "train/<label>/<file> folders with at least two labels (found " + layout.labels().size() + ")");
        }
        if (recipe.modality().equals("audio")) {
            List<String> compressed = datasetFiles.stream().map(RepoFile::path)
                    .filter(p -> DatasetInspector.COMPRESSED_AUDIO.contains(DatasetInspector.extension(p))).toList();
            if (!compressed.isEmpty()) {
                throw ApiException.badRequest("Dataset " + dataset.fullId() + " has " + compressed.size() + " compressed audio "
                        + "files (e.g. " + compressed.get(0) + "): runners decode WAV only; convert them first, e.g. "
                        + "ffmpeg -i in.flac -ar 16000 out.wav");
            }
        }
        int gpus = spec.gpus() == null ? 0 : spec.gpus();
        long gpuMemory = spec.gpuMemoryMb() == null ? 0 : spec.gpuMemoryMb();
        int maxAttempts = spec.maxAttempts() == null ? 3 : spec.maxAttempts();
        if (gpus < 0 || gpus > 64 || gpuMemory < 0 || maxAttempts < 1 || maxAttempts > 20) {
            throw ApiException.badRequest("Resources out of range: gpus 0-64, gpuMemoryMb >= 0, maxAttempts 1-20");
        }
        Number id = (Number) em.createNativeQuery("insert into jobs (owner_id, recipe_id, recipe_version, params, base_model, "
                        + "base_revision, dataset, dataset_revision, output_repo, gpus, gpu_memory_mb, labels, priority, max_attempts) "
                        + "values (?1, ?2, ?3, cast(?4 as jsonb), ?5, ?6, ?7, ?8, '', ?9, ?10, cast(?11 as text[]), ?12, ?13) returning id")
                .setParameter(1, viewer.accountId()).setParameter(2, recipe.id()).setParameter(3, recipe.version())
                .setParameter(4, json.write(params)).setParameter(5, recipe.needsBaseModel() ? spec.baseModel() : null)
                .setParameter(6, baseRevision).setParameter(7, dataset.fullId()).setParameter(8, datasetRevision)
                .setParameter(9, gpus).setParameter(10, gpuMemory).setParameter(11, PgArrays.text(spec.labels()))
                .setParameter(12, spec.priority() == null ? 0 : spec.priority()).setParameter(13, maxAttempts)
                .getSingleResult();
        String output = spec.outputRepo() == null || spec.outputRepo().isBlank()
                ? viewer.username() + "/" + recipe.id() + "-" + id : spec.outputRepo();
        RepoName outputName = RepoName.parse(RepoType.MODEL, output);
        if (!outputName.namespace().equalsIgnoreCase(viewer.username()) && !viewer.admin()) {
            throw ApiException.forbidden("The output repository must be in your namespace ('" + viewer.username() + "')");
        }
        if (repos.find(outputName).isPresent()) {
            throw ApiException.conflict("The output repository " + output + " already exists: name a new one");
        }
        em.createNativeQuery("update jobs set output_repo = ?2 where id = ?1").setParameter(1, id.longValue())
                .setParameter(2, outputName.id()).executeUpdate();
        JobQueue.notifyQueued(em);
        return get(viewer, id.longValue());
    }

    /**
     * A "model" parameter names a model repository like baseModel does ("owner/name", optionally "@revision"): it
     * must be visible to the submitter and of a modality the parameter accepts, and is pinned here to
     * "owner/name@commit" so that every attempt trains on the same weights.
     */
    private void pinModelParams(Viewer viewer, RecipeInfo recipe, Map<String, Object> params) {
        for (RecipeInfo.Param p : recipe.parameters()) {
            if (!p.type().equals(JobParams.MODEL)) {
                continue;
            }
            Object value = params.get(p.name());
            if (value == null || value.toString().isBlank()) {
                throw ApiException.badRequest("Parameter '" + p.name() + "' needs a model repository id (owner/name)");
            }
            String given = value.toString().trim();
            int at = given.indexOf('@');
            String id = at < 0 ? given : given.substring(0, at);
            Repo model = repos.visible(viewer, RepoName.parse(RepoType.MODEL, id));
            String commit = commits.resolve(model, at < 0 ? null : given.substring(at + 1));
            List<String> accepted = p.choices() == null ? List.of() : p.choices();
            if (!accepted.isEmpty() && !model.modality.equals("unknown") && !accepted.contains(model.modality)) {
                throw ApiException.badRequest("Modality mismatch: parameter '" + p.name() + "' of recipe '" + recipe.id()
                        + "' takes " + String.join(" or ", accepted) + " models, and " + model.fullId() + " is a "
                        + model.modality + " model");
            }
            params.put(p.name(), model.fullId() + "@" + commit);
        }
    }

    @Transactional
    public JobView get(Viewer viewer, long id) {
        return find(viewer, "j.id = ?1", List.of(id), 1).stream().findFirst()
                .orElseThrow(() -> new ApiException(404, null, "Job " + id + " not found"));
    }

    /** Jobs visible to the viewer (their own; all for admins), newest first, optionally filtered. */
    @Transactional
    public List<JobView> list(Viewer viewer, String state, String recipe, String owner, int limit) {
        List<String> clauses = new ArrayList<>(List.of("true"));
        List<Object> params = new ArrayList<>();
        if (state != null && !state.isBlank()) {
            params.add(state);
            clauses.add("j.state = ?" + params.size());
        }
        if (recipe != null && !recipe.isBlank()) {
            params.add(recipe);
            clauses.add("j.recipe_id = ?" + params.size());
        }
        if (owner != null && !owner.isBlank()) {
            params.add(owner);
            clauses.add("a.username = ?" + params.size());
        }
        return find(viewer, String.join(" and ", clauses), params, Math.max(1, Math.min(limit, 500)));
    }

    private List<JobView> find(Viewer viewer, String where, List<Object> params, int limit) {
        String visibility = viewer.admin() ? "" : viewer.anonymous() ? " and false" : " and j.owner_id = " + viewer.accountId();
        var query = em.createNativeQuery("select j.id, a.username, j.recipe_id, j.recipe_version, cast(j.params as text), "
                + "j.base_model, j.base_revision, j.dataset, j.dataset_revision, j.output_repo, j.gpus, j.gpu_memory_mb, j.labels, "
                + "j.priority, j.state, j.attempt, j.max_attempts, j.runner_id, j.cancel_requested, j.created_at, j.started_at, "
                + "j.finished_at, j.error, cast(j.result as text), j.output_commit "
                + "from jobs j join accounts a on a.id = j.owner_id where " + where + visibility + " order by j.id desc limit " + limit);
        for (int i = 0; i < params.size(); i++) {
            query.setParameter(i + 1, params.get(i));
        }
        List<JobView> out = new ArrayList<>();
        List<RunnerService.RunnerView> live = null;
        for (Object row : query.getResultList()) {
            Object[] c = (Object[]) row;
            String state = (String) c[14];
            int gpus = ((Number) c[10]).intValue();
            long gpuMemory = ((Number) c[11]).longValue();
            List<String> labels = List.of((String[]) c[12]);
            String recipe = (String) c[2];
            String reason = null;
            if (state.equals("queued")) {
                if (live == null) {
                    live = liveRunners();
                }
                reason = pendingReason(live, recipe, gpus, gpuMemory, labels);
            }
            out.add(new JobView(((Number) c[0]).longValue(), (String) c[1], recipe, (String) c[3], json.readMap((String) c[4]),
                    (String) c[5], trim(c[6]), (String) c[7], trim(c[8]), (String) c[9], gpus, gpuMemory, labels,
                    ((Number) c[13]).intValue(), state, ((Number) c[15]).intValue(), ((Number) c[16]).intValue(),
                    c[17] == null ? null : ((Number) c[17]).longValue(), (Boolean) c[18], (Instant) c[19], (Instant) c[20],
                    (Instant) c[21], (String) c[22], c[23] == null ? null : json.readMap((String) c[23]), trim(c[24]),
                    reason));
        }
        return out;
    }

    /** Why a queued job is not running: the first requirement no registered, live runner meets. */
    private List<RunnerService.RunnerView> liveRunners() {
        return runners.list().stream().filter(r -> r.state().equals("active")).toList();
    }

    /** Read once per listing, not once per queued job. */
    static String pendingReason(List<RunnerService.RunnerView> live, String recipe, int gpus, long gpuMemoryMb, List<String> labels) {
        if (live.isEmpty()) {
            return "No runner is online";
        }
        int maxGpus = live.stream().mapToInt(RunnerService.RunnerView::gpuCount).max().orElse(0);
        if (gpus > maxGpus) {
            return "Needs " + gpus + " GPU" + (gpus == 1 ? "" : "s") + "; the largest runner has " + maxGpus;
        }
        long maxMemory = live.stream().filter(r -> r.gpuCount() >= gpus).mapToLong(RunnerService.RunnerView::gpuMemoryMb).max().orElse(0);
        if (gpuMemoryMb > maxMemory) {
            return "Needs " + gpuMemoryMb + " MB of GPU memory; the most a runner with " + gpus + " GPUs has is " + maxMemory + " MB";
        }
        if (live.stream().noneMatch(r -> r.labels().containsAll(labels))) {
            return "Needs labels " + labels + "; no runner has them all";
        }
        if (live.stream().noneMatch(r -> r.recipes().contains(recipe))) {
            return "No runner offers recipe '" + recipe + "'";
        }
        return "Waiting for a free runner";
    }

    @Transactional
    public JobView cancel(Viewer viewer, long id) {
        JobView job = get(viewer, id);
        requireOwner(viewer, job);
        switch (job.state()) {
            case "queued" -> em.createNativeQuery("update jobs set state = 'cancelled', finished_at = now() where id = ?1 and state = 'queued'")
                    .setParameter(1, id).executeUpdate();
            case "running" -> em.createNativeQuery("update jobs set cancel_requested = true where id = ?1").setParameter(1, id).executeUpdate();
            default -> throw ApiException.conflict("Job " + id + " is " + job.state() + ": nothing to cancel");
        }
        return get(viewer, id);
    }

    /** Queues a failed or cancelled job again; it resumes from its latest checkpoint. */
    @Transactional
    public JobView retry(Viewer viewer, long id) {
        JobView job = get(viewer, id);
        requireOwner(viewer, job);
        if (!job.state().equals("failed") && !job.state().equals("cancelled")) {
            throw ApiException.conflict("Job " + id + " is " + job.state() + ": only failed or cancelled jobs can be retried");
        }
        em.createNativeQuery("update jobs set state = 'queued', attempt = 0, error = null, cancel_requested = false, "
                + "finished_at = null, runner_id = null where id = ?1").setParameter(1, id).executeUpdate();
        JobQueue.notifyQueued(em);
        return get(viewer, id);
    }

    @Transactional
    public List<MetricPoint> metrics(Viewer viewer, long id, String name, long afterStep) {
        get(viewer, id);
        List<MetricPoint> out = new ArrayList<>();
        for (Object row : em.createNativeQuery("select step, name, value, attempt from job_metrics where job_id = ?1 "
                        + "and (cast(?2 as text) is null or name = ?2) and step > ?3 order by name, step")
                .setParameter(1, id).setParameter(2, name).setParameter(3, afterStep).getResultList()) {
            Object[] c = (Object[]) row;
            out.add(new MetricPoint(((Number) c[0]).longValue(), (String) c[1], ((Number) c[2]).doubleValue(), ((Number) c[3]).intValue()));
        }
        return out;
    }

    @Transactional
    public List<LogLine> logs(Viewer viewer, long id, long afterId) {
        get(viewer, id);
        List<LogLine> out = new ArrayList<>();
        for (Object row : em.createNativeQuery("select id, attempt, at, line from job_logs where job_id = ?1 and id > ?2 order by id limit 5000")
                .setParameter(1, id).setParameter(2, afterId).getResultList()) {
            Object[] c = (Object[]) row;
            out.add(new LogLine(((Number) c[0]).longValue(), ((Number) c[1]).intValue(), (Instant) c[2], (String) c[3]));
        }
        return out;
    }

    private static void requireOwner(Viewer viewer, JobView job) {
        if (!viewer.admin() && !job.owner().equals(viewer.username())) {
            throw ApiException.forbidden("Only the job's owner can do this");
        }
        if (!viewer.canWrite()) {
            throw ApiException.forbidden("This token is read-only");
        }
    }

    private static String trim(Object o) {
        return o == null ? null : o.toString().trim();
    }


}
