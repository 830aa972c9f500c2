package io.modelhub.jobs;

import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.commits.RepoFile;
import io.modelhub.datasets.DatasetInspector;
import io.modelhub.repos.DatasetSchema;
import io.modelhub.metrics.Lttb;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.ChangeNotifications;
import io.modelhub.platform.JsonText;
import io.modelhub.platform.PgArrays;
import io.modelhub.platform.Rows;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import io.modelhub.contract.ParamSpec;
import io.modelhub.contract.RecipeDescriptor;
import io.modelhub.runners.RunnerService;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
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
    @Inject
    JobTransitions transitions;
    @Inject
    ChangeNotifications notifications;
    @Inject
    JobWakeups wakeups;

    public record JobView(long id, String owner, String recipe, String recipeVersion, Map<String, Object> params,
                          String baseModel, String baseRevision, String dataset, String datasetRevision,
                          String outputRepo, int gpus, long gpuMemoryMb, List<String> labels, int priority, JobState state,
                          int attempt, int maxAttempts, Long runnerId, boolean cancelRequested, Instant createdAt,
                          Instant startedAt, Instant finishedAt, String error, Map<String, Object> result,
                          String outputCommit, String pendingReason) {
    }

    public record MetricPoint(long step, String name, double value, int attempt) {
    }

    public record LogLine(long id, int attempt, Instant at, String line) {
    }

    /** A state the job entered (its timeline). */
    public record Event(Instant at, JobState state, int attempt, Long runnerId) {
    }

    /**
     * A page of the jobs list. {@code model}: the base model or the output repo; {@code sort}: id, created,
     * state, recipe, owner or priority.
     */
    public record Query(String state, String recipe, String owner, String model, String sort, boolean descending,
                        int offset, int limit) {
        public static Query newestFirst(int limit) {
            return new Query(null, null, null, null, "id", true, 0, limit);
        }
    }

    public record Page(List<JobView> items, long total) {
    }

    /** Users queue within [-MAX_USER_PRIORITY, MAX_USER_PRIORITY]; beyond it only admins, so nobody jumps every queue. */
    public static final int MAX_USER_PRIORITY = 100;

    private static final Map<String, String> SORTS = Map.of("id", "j.id", "created", "j.created_at", "state", "j.state",
            "recipe", "j.recipe_id", "owner", "a.username", "priority", "j.priority");

    /** Validates the spec against the recipe's schema and the inputs, then queues the job. Nothing is queued on error. */
    @Transactional
    public JobView submit(Viewer viewer, JobSpec spec) {
        viewer.requireWriter();
        if (spec == null || spec.recipe() == null || spec.recipe().isBlank()) {
            throw ApiException.badRequest("A job needs a recipe");
        }
        RecipeDescriptor recipe = recipeFor(spec);
        Map<String, Object> params = JobParams.validate(recipe, spec.params());
        boolean privateInput = pinModelParams(viewer, recipe, params);
        int priority = spec.priority() == null ? 0 : spec.priority();
        if (Math.abs((long) priority) > MAX_USER_PRIORITY && !viewer.admin()) {
            throw ApiException.forbidden("Priority must be between -" + MAX_USER_PRIORITY + " and " + MAX_USER_PRIORITY
                    + "; only admins queue a job beyond that, got " + priority);
        }

        String baseRevision = null;
        String baseModality = "unknown";
        boolean anyModality = recipe.modality().equals(RecipeDescriptor.ANY_MODALITY);
        if (recipe.needsBaseModel()) {
            if (spec.baseModel() == null || spec.baseModel().isBlank()) {
                throw ApiException.badRequest("Recipe '" + recipe.id() + "' fine-tunes a base model: set baseModel");
            }
            Repo base = repos.visible(viewer, RepoName.parse(RepoType.MODEL, spec.baseModel()));
            baseRevision = commits.resolve(base, spec.baseRevision());
            baseModality = base.modality;
            privateInput |= base.privateRepo;
            requireModelType(recipe, "base model", base, recipe.modelTypes());
            if (!anyModality && !base.modality.equals("unknown") && !base.modality.equals(recipe.modality())) {
                throw ApiException.badRequest("Modality mismatch: recipe '" + recipe.id() + "' takes " + recipe.modality()
                        + " models, and " + base.fullId() + " is a " + base.modality + " model");
            }
        }
        if (spec.dataset() == null || spec.dataset().isBlank()) {
            throw ApiException.badRequest("A job needs a dataset");
        }
        Repo dataset = repos.visible(viewer, RepoName.parse(RepoType.DATASET, spec.dataset()));
        String datasetRevision = commits.resolve(dataset, spec.datasetRevision());
        privateInput |= dataset.privateRepo;
        List<RepoFile> datasetFiles = commits.files(datasetRevision);
        DatasetSchema layout = datasets.inspect(datasetFiles);
        if (anyModality) {
            if (!baseModality.equals("unknown") && !layout.modality().equals(baseModality)) {
                throw ApiException.badRequest("Modality mismatch: " + spec.baseModel() + " is a " + baseModality
                        + " model, and dataset " + dataset.fullId() + " holds " + layout.modality() + " files");
            }
        } else if (!layout.modality().equals(recipe.modality())) {
            throw ApiException.badRequest("Modality mismatch: recipe '" + recipe.id() + "' takes " + recipe.modality()
                    + " data, and dataset " + dataset.fullId() + " holds " + layout.modality() + " files");
        }
        if (recipe.needsLabels() && layout.labels().size() < 2) {
            throw ApiException.badRequest("Dataset " + dataset.fullId() + " has no labels: a classification recipe needs "
                    + "train/<label>/<file> folders with at least two labels (found " + layout.labels().size() + ")");
        }
        // the runners' own decoding rules (one set, io.modelhub.storage.datasets), so nothing queued fails on them later
        List<String> undecodable = DatasetInspector.undecodable(datasetFiles);
        if (!undecodable.isEmpty()) {
            boolean audio = DatasetInspector.COMPRESSED_AUDIO.contains(DatasetInspector.extension(undecodable.get(0)));
            throw ApiException.badRequest("Dataset " + dataset.fullId() + " has " + undecodable.size()
                    + (audio ? " compressed audio files (e.g. " + undecodable.get(0) + "): runners decode WAV only; convert them "
                    + "first, e.g. ffmpeg -i in.flac -ar 16000 out.wav" : " images the runners cannot decode (e.g. "
                    + undecodable.get(0) + "); convert them to PNG or JPEG first"));
        }
        int gpus = spec.gpus() == null ? 0 : spec.gpus();
        long gpuMemory = spec.gpuMemoryMb() == null ? 0 : spec.gpuMemoryMb();
        int maxAttempts = spec.maxAttempts() == null ? 3 : spec.maxAttempts();
        Map<String, String> problems = JobParams.resourceProblems(gpus, gpuMemory, maxAttempts);
        if (!problems.isEmpty()) {
            throw ApiException.badRequest("Resources out of range: " + String.join("; ", problems.values()));
        }
        Number id = (Number) em.createNativeQuery("insert into jobs (owner_id, recipe_id, recipe_version, params, base_model, "
                        + "base_revision, dataset, dataset_revision, output_repo, gpus, gpu_memory_mb, labels, priority, max_attempts, "
                        + "private_output) values (?1, ?2, ?3, cast(?4 as jsonb), ?5, ?6, ?7, ?8, null, ?9, ?10, cast(?11 as text[]), ?12, "
                        + "?13, ?14) returning id")
                .setParameter(1, viewer.accountId()).setParameter(2, recipe.id()).setParameter(3, recipe.version())
                .setParameter(4, json.write(params)).setParameter(5, recipe.needsBaseModel() ? spec.baseModel() : null)
                .setParameter(6, baseRevision).setParameter(7, dataset.fullId()).setParameter(8, datasetRevision)
                .setParameter(9, gpus).setParameter(10, gpuMemory).setParameter(11, PgArrays.text(spec.labels()))
                .setParameter(12, priority).setParameter(13, maxAttempts)
                .setParameter(14, privateInput || Boolean.TRUE.equals(spec.privateOutput()))
                .getSingleResult();
        if (recipe.producesModel()) {
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
            followUps(id.longValue(), spec.evaluateOn());
        } else if ((spec.outputRepo() != null && !spec.outputRepo().isBlank())
                || (spec.evaluateOn() != null && !spec.evaluateOn().isEmpty())) {
            throw ApiException.badRequest("Recipe '" + recipe.id() + "' produces no model: outputRepo and evaluateOn do not apply");
        }
        wakeups.queued(id.longValue());
        notifications.publish(ChangeNotifications.JOBS);
        return get(viewer, id.longValue());
    }

    /** The recipe version the job is validated against and pinned to: the one asked for, else the current one. */
    private RecipeDescriptor recipeFor(JobSpec spec) {
        if (spec.recipeVersion() != null && !spec.recipeVersion().isBlank()) {
            return runners.recipe(spec.recipe(), spec.recipeVersion()).orElseThrow(() -> ApiException.badRequest("Recipe '"
                    + spec.recipe() + "' has no published version '" + spec.recipeVersion() + "'"));
        }
        return runners.recipe(spec.recipe()).orElseThrow(() -> ApiException.badRequest("Unknown recipe '"
                + spec.recipe() + "'. Known: " + String.join(", ", runners.recipes().stream().map(RecipeDescriptor::id).toList())));
    }

    /**
     * A model goes to a recipe only if its config.json model_type is one the recipe publishes for that role: a job
     * that no runner could load is refused here, not failed later on a runner.
     */
    private static void requireModelType(RecipeDescriptor recipe, String role, Repo model, List<String> accepted) {
        if (model.modelType == null || !accepted.contains(model.modelType)) {
            throw ApiException.badRequest("Recipe '" + recipe.id() + "' (version " + recipe.version() + ") cannot take "
                    + model.fullId() + " as its " + role + ": its config.json model_type is "
                    + (model.modelType == null ? "missing" : "'" + model.modelType + "'") + ", and the recipe takes "
                    + (accepted.isEmpty() ? "none" : String.join(", ", accepted)));
        }
    }

    /** Benchmarks to evaluate the job's model on once it succeeds; every one must exist. */
    private void followUps(long jobId, List<Long> benchmarkIds) {
        if (benchmarkIds == null || benchmarkIds.isEmpty()) {
            return;
        }
        for (Long benchmark : new java.util.LinkedHashSet<>(benchmarkIds)) {
            int n = em.createNativeQuery("insert into job_followup_benchmarks (job_id, benchmark_id) select ?1, id from benchmarks "
                    + "where id = ?2").setParameter(1, jobId).setParameter(2, benchmark == null ? -1L : benchmark).executeUpdate();
            if (n == 0) {
                throw ApiException.badRequest("evaluateOn names benchmark " + benchmark + ", which does not exist");
            }
        }
    }

    /**
     * A "model" parameter names a model repository like baseModel does ("owner/name", optionally "@revision"): it
     * must be visible to the submitter and of a modality the parameter accepts, and is pinned here to
     * "owner/name@commit" so that every attempt trains on the same weights.
     */
    private boolean pinModelParams(Viewer viewer, RecipeDescriptor recipe, Map<String, Object> params) {
        boolean anyPrivate = false;
        for (ParamSpec p : recipe.parameters()) {
            if (!p.isModel()) {
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
            if (!p.modelTypes().isEmpty()) {
                requireModelType(recipe, "'" + p.name() + "'", model, p.modelTypes());
            }
            params.put(p.name(), model.fullId() + "@" + commit);
            anyPrivate |= model.privateRepo;
        }
        return anyPrivate;
    }

    @Transactional
    public JobView get(Viewer viewer, long id) {
        return find(viewer, "j.id = ?1", List.of(id), "j.id", 0, 1).stream().findFirst()
                .orElseThrow(() -> new ApiException(404, null, "Job " + id + " not found"));
    }

    /** Jobs visible to the viewer (their own; all for admins), newest first, optionally filtered. */
    @Transactional
    public List<JobView> list(Viewer viewer, String state, String recipe, String owner, int limit) {
        return page(viewer, new Query(state, recipe, owner, null, "id", true, 0, limit)).items();
    }

    /** One page of the jobs visible to the viewer, filtered and sorted, with the total that matches. */
    @Transactional
    public Page page(Viewer viewer, Query q) {
        List<String> clauses = new ArrayList<>(List.of("true"));
        List<Object> params = new ArrayList<>();
        if (q.state() != null && !q.state().isBlank()) {
            params.add(JobState.parse(q.state()).wire());
            clauses.add("j.state = ?" + params.size());
        }
        if (q.recipe() != null && !q.recipe().isBlank()) {
            params.add(q.recipe());
            clauses.add("j.recipe_id = ?" + params.size());
        }
        if (q.owner() != null && !q.owner().isBlank()) {
            params.add(q.owner());
            clauses.add("a.username = ?" + params.size());
        }
        if (q.model() != null && !q.model().isBlank()) {
            params.add(q.model());
            clauses.add("(j.base_model = ?" + params.size() + " or j.output_repo = ?" + params.size() + ")");
        }
        String sort = SORTS.get(q.sort() == null ? "id" : q.sort());
        if (sort == null) {
            throw ApiException.badRequest("Unknown sort '" + q.sort() + "' (known: " + String.join(", ", new java.util.TreeSet<>(SORTS.keySet())) + ")");
        }
        String where = String.join(" and ", clauses);
        String order = sort + (q.descending() ? " desc" : " asc") + (sort.equals("j.id") ? "" : ", j.id desc");
        List<JobView> items = find(viewer, where, params, order, Math.max(0, q.offset()), Math.max(1, Math.min(q.limit(), 500)));
        var count = em.createNativeQuery("select count(*) from jobs j join accounts a on a.id = j.owner_id where " + where + visibility(viewer));
        for (int i = 0; i < params.size(); i++) {
            count.setParameter(i + 1, params.get(i));
        }
        return new Page(items, ((Number) count.getSingleResult()).longValue());
    }

    private static String visibility(Viewer viewer) {
        return viewer.admin() ? "" : viewer.anonymous() ? " and false" : " and j.owner_id = " + viewer.accountId();
    }

    private List<JobView> find(Viewer viewer, String where, List<Object> params, String order, int offset, int limit) {
        var query = em.createNativeQuery("select j.id, a.username, j.recipe_id, j.recipe_version, cast(j.params as text) as params, "
                + "j.base_model, j.base_revision, j.dataset, j.dataset_revision, j.output_repo, j.gpus, j.gpu_memory_mb, j.labels, "
                + "j.priority, j.state, j.attempt, j.max_attempts, j.runner_id, j.cancel_requested, j.created_at, j.started_at, "
                + "j.finished_at, j.error, cast(j.result as text) as result, j.output_commit "
                + "from jobs j join accounts a on a.id = j.owner_id where " + where + visibility(viewer) + " order by " + order
                + " offset " + offset + " limit " + limit, Tuple.class);
        for (int i = 0; i < params.size(); i++) {
            query.setParameter(i + 1, params.get(i));
        }
        List<JobView> out = new ArrayList<>();
        List<RunnerService.RunnerView> live = null;
        for (Object row : query.getResultList()) {
            Tuple c = (Tuple) row;
            JobState state = JobState.of(c.get("state", String.class));
            int gpus = c.get("gpus", Number.class).intValue();
            long gpuMemory = c.get("gpu_memory_mb", Number.class).longValue();
            List<String> labels = List.of(c.get("labels", String[].class));
            String recipe = c.get("recipe_id", String.class);
            String version = c.get("recipe_version", String.class);
            String reason = null;
            if (state == JobState.QUEUED) {
                if (live == null) {
                    live = liveRunners();
                }
                reason = pendingReason(live, recipe, version, gpus, gpuMemory, labels);
            }
            String result = c.get("result", String.class);
            out.add(new JobView(c.get("id", Number.class).longValue(), c.get("username", String.class), recipe, version,
                    json.readMap(c.get("params", String.class)), c.get("base_model", String.class), trim(c.get("base_revision")),
                    c.get("dataset", String.class), trim(c.get("dataset_revision")), c.get("output_repo", String.class), gpus, gpuMemory,
                    labels, c.get("priority", Number.class).intValue(), state, c.get("attempt", Number.class).intValue(),
                    c.get("max_attempts", Number.class).intValue(), Rows.longOrNull(c, "runner_id"), c.get("cancel_requested", Boolean.class),
                    c.get("created_at", Instant.class), c.get("started_at", Instant.class), c.get("finished_at", Instant.class),
                    c.get("error", String.class), result == null ? null : json.readMap(result), trim(c.get("output_commit")), reason));
        }
        return out;
    }

    /** Why a queued job is not running: the first requirement no registered, live runner meets. */
    private List<RunnerService.RunnerView> liveRunners() {
        return runners.all().stream().filter(r -> r.state().equals("active")).toList();
    }

    /** Read once per listing, not once per queued job. */
    static String pendingReason(List<RunnerService.RunnerView> live, String recipe, String version, int gpus, long gpuMemoryMb,
                                List<String> labels) {
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
        if (live.stream().noneMatch(r -> r.recipes().contains(RecipeDescriptor.key(recipe, version)))) {
            return "No runner offers recipe '" + recipe + "' version " + version;
        }
        return "Waiting for a free runner";
    }

    @Transactional
    public JobView cancel(Viewer viewer, long id) {
        JobView job = get(viewer, id);
        requireOwner(viewer, job);
        // locked: a runner claiming the job meanwhile must not find it cancelled under its feet, nor the reverse
        if (transitions.lock(id) == JobState.RUNNING) {
            // the runner stops at its next heartbeat and reports the job cancelled
            JobState.RUNNING.requireCanBecome(id, JobState.CANCELLED);
            em.createNativeQuery("update jobs set cancel_requested = true where id = ?1").setParameter(1, id).executeUpdate();
            notifications.publish(ChangeNotifications.job(id));
        } else {
            transitions.move(id, JobState.CANCELLED, "finished_at = now()");
        }
        return get(viewer, id);
    }

    /**
     * Queues a failed or cancelled job again. With {@code fromScratch} false it resumes from its latest checkpoint
     * (the runner is handed it with the claim); with true the checkpoints are dropped and training starts over.
     */
    @Transactional
    public JobView retry(Viewer viewer, long id, boolean fromScratch) {
        JobView job = get(viewer, id);
        requireOwner(viewer, job);
        JobState now = transitions.lock(id);
        if (now.active()) {
            throw ApiException.conflict("Job " + id + " is " + now + ": only a job that ended (failed or cancelled) can be retried");
        }
        int dropped = 0;
        if (fromScratch) {
            dropped = em.createNativeQuery("delete from job_checkpoints where job_id = ?1").setParameter(1, id).executeUpdate();
        }
        transitions.move(id, JobState.QUEUED, "attempt = 0, error = null, cancel_requested = false, finished_at = null, runner_id = null");
        em.createNativeQuery("insert into job_logs (job_id, attempt, line) values (?1, 0, ?2)").setParameter(1, id)
                .setParameter(2, fromScratch ? "Retried from scratch by " + viewer.username() + " (" + dropped + " checkpoints dropped)"
                        : "Retried by " + viewer.username() + ": resumes from its latest checkpoint").executeUpdate();
        wakeups.queued(id);
        return get(viewer, id);
    }

    /** The checkpoint a resumed job would start from, or null. */
    @Transactional
    public Integer latestCheckpointEpoch(Viewer viewer, long id) {
        get(viewer, id);
        List<?> rows = em.createNativeQuery("select max(epoch) from job_checkpoints where job_id = ?1").setParameter(1, id).getResultList();
        return rows.isEmpty() || rows.get(0) == null ? null : ((Number) rows.get(0)).intValue();
    }

    @Transactional
    public List<Event> events(Viewer viewer, long id) {
        get(viewer, id);
        List<Event> out = new ArrayList<>();
        for (Object row : em.createNativeQuery("select at, state, attempt, runner_id from job_events where job_id = ?1 order by id", Tuple.class)
                .setParameter(1, id).getResultList()) {
            Tuple c = (Tuple) row;
            out.add(new Event(c.get("at", Instant.class), JobState.of(c.get("state", String.class)), c.get("attempt", Number.class).intValue(),
                    Rows.longOrNull(c, "runner_id")));
        }
        return out;
    }

    /**
     * Every series of the job (or the one named), each downsampled with {@link Lttb} to at most {@code maxPoints}
     * points (all of them when {@code maxPoints} <= 0). A step reported again by a later attempt (after a resume)
     * replaces the earlier value.
     */
    @Transactional
    public Map<String, List<MetricPoint>> series(Viewer viewer, long id, String name, int maxPoints) {
        MetricSeries series = new MetricSeries();
        readNew(viewer, id, name, series);
        return series.downsampled(maxPoints);
    }

    /**
     * Extends {@code series} with the metric rows that arrived since its last read: those of a later attempt, and
     * those of its last attempt from its last step on (a step's other metrics may have come after it was read).
     * Recipes report in step order within an attempt, so nothing older can appear.
     */
    @Transactional
    public MetricSeries readNew(Viewer viewer, long id, String name, MetricSeries series) {
        get(viewer, id);
        @SuppressWarnings("unchecked")
        List<Tuple> rows = em.createNativeQuery("select step, name, value, attempt from job_metrics where job_id = ?1 "
                        + "and (cast(?2 as text) is null or name = ?2) and (attempt > ?3 or (attempt = ?3 and step >= ?4)) "
                        + "order by attempt, step", Tuple.class)
                .setParameter(1, id).setParameter(2, name).setParameter(3, series.lastAttempt())
                .setParameter(4, series.lastStep()).getResultList();
        for (Tuple c : rows) {
            series.add(c.get("name", String.class), c.get("step", Number.class).longValue(), c.get("attempt", Number.class).intValue(),
                    c.get("value", Number.class).doubleValue());
        }
        return series;
    }

    /** One row per epoch the recipe reported (its "epoch" series): every metric reported at that epoch's step. */
    @Transactional
    public List<Map<String, Double>> epochRows(Viewer viewer, long id) {
        get(viewer, id);
        Map<Long, Map<String, Double>> rows = new java.util.TreeMap<>();
        @SuppressWarnings("unchecked")
        List<Tuple> points = em.createNativeQuery("select distinct on (m.name, m.step) m.step, m.name, m.value from job_metrics m "
                        + "where m.job_id = ?1 and m.step in (select e.step from job_metrics e where e.job_id = ?1 and e.name = 'epoch') "
                        + "order by m.name, m.step, m.attempt desc", Tuple.class).setParameter(1, id).getResultList();
        for (Tuple c : points) {
            long step = c.get("step", Number.class).longValue();
            rows.computeIfAbsent(step, s -> new java.util.TreeMap<>(Map.of("step", (double) s)))
                    .put(c.get("name", String.class), c.get("value", Number.class).doubleValue());
        }
        return new ArrayList<>(rows.values());
    }

    /**
     * Dataset repos the viewer can read whose detected schema fits the recipe: the same modality, and at least two
     * labels for a classification recipe (the rules {@link #submit} enforces).
     */
    @Transactional
    public List<Repo> compatibleDatasets(Viewer viewer, RecipeDescriptor recipe) {
        List<Repo> out = new ArrayList<>();
        for (Repo r : Repo.<Repo>list("type = 'dataset' order by namespace, name")) {
            DatasetSchema schema = r.datasetSchema;
            if (RepoService.canRead(viewer, r) && fits(recipe, schema)) {
                out.add(r);
            }
        }
        return out;
    }

    /** Whether a dataset with this detected schema fits the recipe: its modality, and two labels for classification. */
    private static boolean fits(RecipeDescriptor recipe, DatasetSchema schema) {
        if (schema == null || !recipe.modality().equals(schema.modality())) {
            return false;
        }
        return !recipe.needsLabels() || (schema.labels() != null && schema.labels().size() >= 2);
    }

    /**
     * Recipes that train a model on this dataset without a base model (from scratch, e.g. image-pretraining), for the
     * dataset's launch form: the model-producing recipes that need no base model and whose rules the dataset's
     * detected schema fits (the rules of {@link #compatibleDatasets}, so the form's dataset list holds this dataset).
     */
    @Transactional
    public List<RecipeDescriptor> scratchRecipesFor(Repo dataset) {
        return runners.recipes().stream().filter(RecipeDescriptor::producesModel)
                .filter(r -> !r.needsBaseModel() && fits(r, dataset.datasetSchema))
                .sorted(java.util.Comparator.comparing(RecipeDescriptor::id)).toList();
    }

    /**
     * Recipes that can train from this model, by its config.json model_type: those fine-tuning it as their base model,
     * and those taking it as a "model" parameter (two-tower cross-modal alignment). Evaluations are not offered here.
     */
    @Transactional
    public List<RecipeDescriptor> recipesFor(Repo model) {
        return runners.recipes().stream().filter(RecipeDescriptor::producesModel)
                .filter(r -> r.needsBaseModel() ? r.acceptsBaseModelType(model.modelType)
                        : r.parameters().stream().anyMatch(p -> p.isModel() && accepts(p, model)))
                // fine-tunes of this very model first: the form preselects the first recipe
                .sorted(java.util.Comparator.comparing((RecipeDescriptor r) -> !r.needsBaseModel()).thenComparing(RecipeDescriptor::id))
                .toList();
    }

    /** Every model type some model-producing recipe takes, as a base model or as a model parameter, for messages. */
    @Transactional
    public String trainableModelTypes() {
        java.util.TreeSet<String> types = new java.util.TreeSet<>();
        for (RecipeDescriptor r : runners.recipes()) {
            if (r.producesModel()) {
                types.addAll(r.modelTypes());
                r.parameters().stream().filter(ParamSpec::isModel).forEach(p -> types.addAll(p.modelTypes()));
            }
        }
        return types.isEmpty() ? "none yet (no runner has registered)" : String.join(", ", types);
    }

    /** Model repositories the viewer can read that a "model" parameter accepts (modality and model type). */
    @Transactional
    public List<Repo> modelsFor(Viewer viewer, ParamSpec param) {
        return Repo.<Repo>list("type = 'model' order by namespace, name").stream()
                .filter(r -> RepoService.canRead(viewer, r))
                .filter(r -> accepts(param, r)).toList();
    }

    private static boolean accepts(ParamSpec param, Repo model) {
        boolean modality = param.choices() == null || (model.modality != null && param.choices().contains(model.modality));
        boolean type = param.modelTypes().isEmpty() || (model.modelType != null && param.modelTypes().contains(model.modelType));
        return modality && type;
    }

    @Transactional
    public List<MetricPoint> metrics(Viewer viewer, long id, String name, long afterStep) {
        get(viewer, id);
        List<MetricPoint> out = new ArrayList<>();
        for (Object row : em.createNativeQuery("select step, name, value, attempt from job_metrics where job_id = ?1 "
                        + "and (cast(?2 as text) is null or name = ?2) and step > ?3 order by name, step", Tuple.class)
                .setParameter(1, id).setParameter(2, name).setParameter(3, afterStep).getResultList()) {
            Tuple c = (Tuple) row;
            out.add(new MetricPoint(c.get("step", Number.class).longValue(), c.get("name", String.class), c.get("value", Number.class).doubleValue(),
                    c.get("attempt", Number.class).intValue()));
        }
        return out;
    }

    @Transactional
    public List<LogLine> logs(Viewer viewer, long id, long afterId) {
        get(viewer, id);
        List<LogLine> out = new ArrayList<>();
        for (Object row : em.createNativeQuery("select id, attempt, at, line from job_logs where job_id = ?1 and id > ?2 order by id limit 5000",
                        Tuple.class).setParameter(1, id).setParameter(2, afterId).getResultList()) {
            Tuple c = (Tuple) row;
            out.add(new LogLine(c.get("id", Number.class).longValue(), c.get("attempt", Number.class).intValue(), c.get("at", Instant.class),
                    c.get("line", String.class)));
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
