package io.modelhub.runners;

import io.modelhub.accounts.Viewer;
import io.modelhub.contract.ParamSpec;
import io.modelhub.contract.RecipeDescriptor;
import io.modelhub.contract.RunnerProtocol;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.ChangeNotifications;
import io.modelhub.platform.JsonText;
import io.modelhub.platform.ModelHubConfig;
import io.modelhub.platform.PgArrays;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Runner nodes: registration with their capabilities and recipes (each credential registers one runner), liveness,
 * draining, and the recipes they publish, by (id, version).
 */
@ApplicationScoped
public class RunnerService {
    /** A runner that has not been heard from for this long is shown offline and gets no work. */
    public static final int OFFLINE_AFTER_SECONDS = 90;

    @Inject
    EntityManager em;
    @Inject
    JsonText json;
    @Inject
    ModelHubConfig config;
    @Inject
    Event<RunnerRetired> retired;
    @Inject
    ChangeNotifications notifications;

    /**
     * A runner as the runners page and GET /api/runners show it. owner (who issued its credential) is shown to admins
     * only, currentJob to admins and to the owner of that job.
     */
    public record RunnerView(long id, String name, String owner, List<String> labels, int gpuCount, long gpuMemoryMb,
                             int cpuCores, long memoryBytes, List<String> recipes, String state, Instant lastHeartbeat,
                             Long currentJob, Map<String, Object> utilisation, Instant utilisationAt) {
    }

    /**
     * Registers (or re-registers, after a restart) the credential's runner and publishes its recipes. A job the
     * runner's earlier process held goes back to the queue: the new process knows nothing of it.
     */
    @Transactional
    public RunnerProtocol.Registered register(RunnerIdentity identity, RunnerProtocol.Registration r) {
        if (r == null || r.name() == null || r.name().isBlank() || r.cpuCores() <= 0 || r.gpuCount() < 0) {
            throw ApiException.badRequest("A runner needs a name, cpuCores > 0 and gpuCount >= 0");
        }
        List<String> keys = new ArrayList<>();
        for (RecipeDescriptor recipe : r.recipes()) {
            publish(recipe);
            keys.add(recipe.key());
        }
        Number id = (Number) em.createNativeQuery("insert into runners (name, owner_id, credential_id, labels, gpu_count, "
                        + "gpu_memory_mb, cpu_cores, memory_bytes, recipes) select ?1, c.created_by, c.id, cast(?3 as text[]), ?4, ?5, "
                        + "?6, ?7, cast(?8 as text[]) from runner_credentials c where c.id = ?2 "
                        + "on conflict (credential_id) do update set name = excluded.name, labels = excluded.labels, "
                        + "gpu_count = excluded.gpu_count, gpu_memory_mb = excluded.gpu_memory_mb, cpu_cores = excluded.cpu_cores, "
                        + "memory_bytes = excluded.memory_bytes, recipes = excluded.recipes, last_heartbeat_at = now(), "
                        + "state = case when runners.state = 'draining' then 'draining' else 'active' end "
                        + "returning id")
                .setParameter(1, r.name()).setParameter(2, identity.credentialId())
                .setParameter(3, PgArrays.text(r.labels())).setParameter(4, r.gpuCount()).setParameter(5, r.gpuMemoryMb())
                .setParameter(6, r.cpuCores()).setParameter(7, r.memoryBytes()).setParameter(8, PgArrays.text(keys))
                .getSingleResult();
        retired.fire(new RunnerRetired(id.longValue(), "runner " + id + " registered again (restarted)"));
        changed();
        return new RunnerProtocol.Registered(id.longValue(), config.jobs().leaseSeconds());
    }

    /**
     * Stores a recipe version, or checks it against the stored one: a published version never changes, so a runner
     * cannot rewrite the schema that jobs of that version were validated against.
     */
    private void publish(RecipeDescriptor recipe) {
        check(recipe);
        String parameters = json.write(recipe.parameters());
        em.createNativeQuery("insert into recipes (id, version, modality, task, needs_base_model, parameters, produces_model, "
                        + "model_types) values (?1, ?2, ?3, ?4, ?5, cast(?6 as jsonb), ?7, cast(?8 as text[])) "
                        + "on conflict (id, version) do nothing")
                .setParameter(1, recipe.id()).setParameter(2, recipe.version()).setParameter(3, recipe.modality())
                .setParameter(4, recipe.task()).setParameter(5, recipe.needsBaseModel()).setParameter(6, parameters)
                .setParameter(7, recipe.producesModel()).setParameter(8, PgArrays.text(recipe.modelTypes())).executeUpdate();
        RecipeDescriptor stored = recipe(recipe.id(), recipe.version()).orElseThrow();
        if (!stored.equals(recipe)) {
            throw ApiException.conflict("Recipe " + recipe.key() + " is already published with a different schema; a runner "
                    + "whose recipe changed must publish it under a new version");
        }
    }

    private static void check(RecipeDescriptor recipe) {
        if (recipe.id() == null || !recipe.id().matches("[a-z0-9][a-z0-9-]{0,63}") || recipe.version() == null
                || !recipe.version().matches("[A-Za-z0-9][A-Za-z0-9._-]{0,31}")) {
            throw ApiException.badRequest("A recipe needs an id (lowercase letters, digits, '-') and a version (letters, digits, '.', '-', '_')");
        }
        if (recipe.modality() == null || recipe.task() == null) {
            throw ApiException.badRequest("Recipe " + recipe.key() + " needs a modality and a task");
        }
        Set<String> names = new HashSet<>();
        for (ParamSpec p : recipe.parameters()) {
            if (p.name() == null || p.type() == null || !names.add(p.name())) {
                throw ApiException.badRequest("Recipe " + recipe.key() + " has a parameter without a name or type, or a name twice");
            }
            if (p.isModel() && (p.name().equals(RunnerProtocol.BASE_MODEL) || p.name().equals(RunnerProtocol.DATASET))) {
                throw ApiException.badRequest("Recipe " + recipe.key() + ": a model parameter cannot be named '" + p.name() + "'");
            }
            if (p.defaultValue() != null && !p.isModel()) {
                try {
                    p.check(p.defaultValue());
                } catch (IllegalArgumentException e) {
                    throw ApiException.badRequest("Recipe " + recipe.key() + ": the default of " + e.getMessage());
                }
            }
        }
    }

    /**
     * The runner a call is made for must be the credential's. Marks it alive; utilisation (when given) is what the
     * runners page shows.
     */
    @Transactional
    public void touch(RunnerIdentity identity, long runnerId, Map<String, Object> utilisation) {
        authorize(identity, runnerId);
        // the credential is checked again here, not only when the request came in: a long-poll outlives a revocation.
        // The heartbeat is written only when a second old (or with utilisation, or to bring an offline runner back):
        // a serving runner polls after every answer, and a write per poll made each inference call pay for one.
        Number n = (Number) em.createNativeQuery("with me as (select r.id from runners r join runner_credentials c on "
                        + "c.id = r.credential_id where r.id = ?1 and c.revoked_at is null), beat as (update runners set "
                        + "last_heartbeat_at = now(), utilisation = coalesce(cast(?2 as jsonb), utilisation), "
                        + "utilisation_at = case when cast(?2 as jsonb) is null then utilisation_at else now() end, "
                        + "state = case when state = 'offline' then 'active' else state end where id in (select id from me) "
                        + "and (cast(?2 as jsonb) is not null or state = 'offline' or last_heartbeat_at is null "
                        + "or last_heartbeat_at < now() - interval '1 second') returning id) select count(*) from me")
                .setParameter(1, runnerId).setParameter(2, utilisation == null ? null : json.write(utilisation))
                .getSingleResult();
        if (n.intValue() == 0) {
            throw ApiException.unauthorized("This runner credential is revoked or unknown; ask an admin for a new one");
        }
        if (utilisation != null) {
            // a heartbeat: only then has what the runners page shows changed (a plain touch moves "last heartbeat" only)
            notifications.publish(ChangeNotifications.RUNNERS);
        }
    }

    /** 403 unless {@code runnerId} is the runner registered with the caller's credential. */
    public void authorize(RunnerIdentity identity, long runnerId) {
        if (identity.runnerId() == null) {
            throw ApiException.notFound("No runner is registered with this credential yet: register first");
        }
        if (identity.runnerId() != runnerId) {
            throw ApiException.forbidden("This runner credential belongs to runner " + identity.runnerId() + ", not " + runnerId);
        }
    }

    /** The runner of a credential stops counting: offline, its job given back (revocation). */
    @Transactional
    public void retire(long credentialId, String why) {
        List<?> ids = em.createNativeQuery("update runners set state = 'offline' where credential_id = ?1 returning id")
                .setParameter(1, credentialId).getResultList();
        for (Object id : ids) {
            retired.fire(new RunnerRetired(((Number) id).longValue(), why));
        }
        changed();
    }

    @Transactional
    public void drain(Viewer viewer, long runnerId) {
        if (!viewer.admin()) {
            throw ApiException.forbidden("Only an admin can drain a runner");
        }
        if (!viewer.canWrite()) {
            throw ApiException.forbidden("This token is read-only");
        }
        if (em.createNativeQuery("update runners set state = 'draining' where id = ?1").setParameter(1, runnerId).executeUpdate() == 0) {
            throw ApiException.notFound("No runner " + runnerId);
        }
        changed();
    }

    /** A runner stopping cleanly says so, so nobody waits for its heartbeats to time out. */
    @Transactional
    public void goOffline(RunnerIdentity identity, long runnerId) {
        authorize(identity, runnerId);
        em.createNativeQuery("update runners set state = 'offline' where id = ?1").setParameter(1, runnerId).executeUpdate();
        changed();
    }

    /** The runners page, and the jobs list, whose pending reasons name what the runners offer. */
    private void changed() {
        notifications.publish(ChangeNotifications.RUNNERS);
        notifications.publish(ChangeNotifications.JOBS);
    }

    @Transactional
    public boolean draining(long runnerId) {
        return !em.createNativeQuery("select 1 from runners where id = ?1 and state = 'draining'").setParameter(1, runnerId)
                .getResultList().isEmpty();
    }

    /** Every runner, for signed-in users: owners and other users' current jobs only for admins. */
    @Transactional
    public List<RunnerView> list(Viewer viewer) {
        if (viewer.anonymous()) {
            throw ApiException.unauthorized("Sign in to see the runners");
        }
        return all().stream().map(r -> viewer.admin() ? r : new RunnerView(r.id(), r.name(), null, r.labels(), r.gpuCount(),
                r.gpuMemoryMb(), r.cpuCores(), r.memoryBytes(), r.recipes(), r.state(), r.lastHeartbeat(),
                ownJob(viewer, r.currentJob()), r.utilisation(), r.utilisationAt())).toList();
    }

    private Long ownJob(Viewer viewer, Long jobId) {
        if (jobId == null) {
            return null;
        }
        return em.createNativeQuery("select 1 from jobs where id = ?1 and owner_id = ?2").setParameter(1, jobId)
                .setParameter(2, viewer.accountId()).getResultList().isEmpty() ? null : jobId;
    }

    /**
     * Every runner with everything known of it, for the hub's own use (pending reasons, recipe versions). Its current
     * job is the one it holds a lease on: the queue sets a lease on a claim and clears it whenever the job leaves
     * running, so the runners need not know the job states.
     */
    @Transactional
    public List<RunnerView> all() {
        List<RunnerView> out = new ArrayList<>();
        for (Object row : em.createNativeQuery("select r.id, r.name, a.username, r.labels, r.gpu_count, r.gpu_memory_mb, "
                + "r.cpu_cores, r.memory_bytes, r.recipes, case when r.state <> 'offline' and r.last_heartbeat_at < now() - make_interval(secs => "
                + OFFLINE_AFTER_SECONDS + ") then 'offline' else r.state end as state, r.last_heartbeat_at, "
                + "(select j.id from jobs j where j.runner_id = r.id and j.lease_expires_at is not null limit 1) as current_job, "
                + "cast(r.utilisation as text) as utilisation, r.utilisation_at "
                + "from runners r left join accounts a on a.id = r.owner_id order by r.id", Tuple.class).getResultList()) {
            Tuple t = (Tuple) row;
            out.add(new RunnerView(t.get("id", Number.class).longValue(), t.get("name", String.class), t.get("username", String.class),
                    List.of(t.get("labels", String[].class)), t.get("gpu_count", Number.class).intValue(),
                    t.get("gpu_memory_mb", Number.class).longValue(), t.get("cpu_cores", Number.class).intValue(),
                    t.get("memory_bytes", Number.class).longValue(), List.of(t.get("recipes", String[].class)),
                    t.get("state", String.class), t.get("last_heartbeat_at", Instant.class),
                    t.get("current_job") == null ? null : t.get("current_job", Number.class).longValue(),
                    t.get("utilisation") == null ? Map.of() : json.readMap(t.get("utilisation", String.class)),
                    t.get("utilisation_at", Instant.class)));
        }
        return out;
    }

    /** One published version of a recipe. */
    @Transactional
    public Optional<RecipeDescriptor> recipe(String id, String version) {
        return versions(id).stream().filter(r -> r.version().equals(version)).findFirst();
    }

    /**
     * The version new jobs of a recipe are validated against and pinned to: the newest one a live runner publishes,
     * else the newest ever published (its jobs wait for a runner that has it).
     */
    @Transactional
    public Optional<RecipeDescriptor> recipe(String id) {
        List<RecipeDescriptor> versions = versions(id);
        Set<String> live = liveRecipeKeys();
        Comparator<RecipeDescriptor> byVersion = Comparator.comparing(RecipeDescriptor::version, RecipeDescriptor.VERSION_ORDER);
        return versions.stream().filter(r -> live.contains(r.key())).max(byVersion).or(() -> versions.stream().max(byVersion));
    }

    /** The current version of every recipe (see {@link #recipe(String)}), by id. */
    @Transactional
    public List<RecipeDescriptor> recipes() {
        @SuppressWarnings("unchecked")
        List<String> ids = em.createNativeQuery("select distinct id from recipes order by id").getResultList();
        return ids.stream().map(id -> recipe(id).orElseThrow()).toList();
    }

    /** "id@version" of every recipe a runner that is not offline publishes. */
    @Transactional
    public Set<String> liveRecipeKeys() {
        Set<String> keys = new HashSet<>();
        all().stream().filter(r -> !r.state().equals("offline")).forEach(r -> keys.addAll(r.recipes()));
        return keys;
    }

    private List<RecipeDescriptor> versions(String id) {
        List<RecipeDescriptor> out = new ArrayList<>();
        for (Object row : em.createNativeQuery("select id, version, modality, task, needs_base_model, produces_model, "
                + "cast(parameters as text) as parameters, model_types from recipes where id = ?1", Tuple.class)
                .setParameter(1, id).getResultList()) {
            Tuple t = (Tuple) row;
            List<ParamSpec> params = json.read(t.get("parameters", String.class), new com.fasterxml.jackson.core.type.TypeReference<>() {
            }, List.of());
            out.add(new RecipeDescriptor(t.get("id", String.class), t.get("version", String.class), t.get("modality", String.class),
                    t.get("task", String.class), t.get("needs_base_model", Boolean.class), t.get("produces_model", Boolean.class),
                    params, List.of(t.get("model_types", String[].class))));
        }
        return out;
    }
}
