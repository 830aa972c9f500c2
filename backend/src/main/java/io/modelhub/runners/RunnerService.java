package io.modelhub.runners;

import com.fasterxml.jackson.core.type.TypeReference;
import io.modelhub.accounts.Viewer;
import io.modelhub.platform.ApiException;
import io.modelhub.platform.JsonText;
import io.modelhub.platform.PgArrays;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Runner nodes: registration with their capabilities and recipes, liveness, draining. */
@ApplicationScoped
public class RunnerService {
    /** A runner that has not been heard from for this long is shown offline and gets no work. */
    public static final int OFFLINE_AFTER_SECONDS = 90;

    @Inject
    EntityManager em;
    @Inject
    JsonText json;

    public record Registration(String name, List<String> labels, int gpuCount, long gpuMemoryMb, int cpuCores,
                               long memoryBytes, List<RecipeInfo> recipes) {
    }

    public record RunnerView(long id, String name, String owner, List<String> labels, int gpuCount, long gpuMemoryMb,
                             int cpuCores, long memoryBytes, List<String> recipes, String state, Instant lastHeartbeat,
                             Long currentJob, Map<String, Object> utilisation, Instant utilisationAt) {
    }

    @Transactional
    public long register(Viewer viewer, Registration r) {
        if (viewer.anonymous() || !viewer.canWrite()) {
            throw ApiException.unauthorized("A runner registers with a write token");
        }
        if (r.name() == null || r.name().isBlank() || r.cpuCores() <= 0 || r.gpuCount() < 0) {
            throw ApiException.badRequest("A runner needs a name, cpuCores > 0 and gpuCount >= 0");
        }
        List<String> recipeIds = new ArrayList<>();
        for (RecipeInfo recipe : r.recipes() == null ? List.<RecipeInfo>of() : r.recipes()) {
            recipeIds.add(recipe.id());
            em.createNativeQuery("insert into recipes (id, version, modality, task, needs_base_model, parameters, produces_model) "
                            + "values (?1, ?2, ?3, ?4, ?5, cast(?6 as jsonb), ?7) on conflict (id) do update set version = excluded.version, "
                            + "modality = excluded.modality, task = excluded.task, needs_base_model = excluded.needs_base_model, "
                            + "parameters = excluded.parameters, produces_model = excluded.produces_model, updated_at = now()")
                    .setParameter(1, recipe.id()).setParameter(2, recipe.version()).setParameter(3, recipe.modality())
                    .setParameter(4, recipe.task()).setParameter(5, recipe.needsBaseModel())
                    .setParameter(6, json.write(recipe.parameters())).setParameter(7, recipe.producesModel()).executeUpdate();
        }
        Number id = (Number) em.createNativeQuery("insert into runners (name, owner_id, labels, gpu_count, gpu_memory_mb, "
                        + "cpu_cores, memory_bytes, recipes) values (?1, ?2, cast(?3 as text[]), ?4, ?5, ?6, ?7, cast(?8 as text[])) returning id")
                .setParameter(1, r.name()).setParameter(2, viewer.accountId())
                .setParameter(3, PgArrays.text(r.labels())).setParameter(4, r.gpuCount()).setParameter(5, r.gpuMemoryMb())
                .setParameter(6, r.cpuCores()).setParameter(7, r.memoryBytes()).setParameter(8, PgArrays.text(recipeIds))
                .getSingleResult();
        return id.longValue();
    }

    /** Checks that the caller owns the runner (or is admin) and marks it alive. */
    @Transactional
    public void touch(Viewer viewer, long runnerId, Map<String, Object> utilisation) {
        int n = em.createNativeQuery("update runners set last_heartbeat_at = now(), utilisation = coalesce(cast(?3 as jsonb), utilisation), "
                        + "utilisation_at = case when cast(?3 as jsonb) is null then utilisation_at else now() end, "
                        + "state = case when state = 'offline' then 'active' else state end "
                        + "where id = ?1 and (owner_id = ?2 or ?4)")
                .setParameter(1, runnerId).setParameter(2, viewer.accountId())
                .setParameter(3, utilisation == null ? null : json.write(utilisation)).setParameter(4, viewer.admin())
                .executeUpdate();
        if (n == 0) {
            throw new ApiException(404, null, "Runner " + runnerId + " is not registered (or not yours)");
        }
    }

    @Transactional
    public void drain(Viewer viewer, long runnerId) {
        if (!viewer.admin()) {
            throw ApiException.forbidden("Only an admin can drain a runner");
        }
        if (em.createNativeQuery("update runners set state = 'draining' where id = ?1").setParameter(1, runnerId).executeUpdate() == 0) {
            throw new ApiException(404, null, "No runner " + runnerId);
        }
    }

    /** A runner stopping cleanly says so, so nobody waits for its heartbeats to time out. */
    @Transactional
    public void goOffline(Viewer viewer, long runnerId) {
        em.createNativeQuery("update runners set state = 'offline' where id = ?1 and (owner_id = ?2 or ?3)")
                .setParameter(1, runnerId).setParameter(2, viewer.accountId()).setParameter(3, viewer.admin()).executeUpdate();
    }

    @Transactional
    public boolean draining(long runnerId) {
        return em.createNativeQuery("select 1 from runners where id = ?1 and state = 'draining'").setParameter(1, runnerId)
                .getResultList().size() > 0;
    }

    @Transactional
    public List<RunnerView> list() {
        List<RunnerView> out = new ArrayList<>();
        for (Object row : em.createNativeQuery("select r.id, r.name, a.username, r.labels, r.gpu_count, r.gpu_memory_mb, "
                + "r.cpu_cores, r.memory_bytes, r.recipes, case when r.state <> 'offline' and r.last_heartbeat_at < now() - make_interval(secs => "
                + OFFLINE_AFTER_SECONDS + ") then 'offline' else r.state end, r.last_heartbeat_at, "
                + "(select j.id from jobs j where j.runner_id = r.id and j.state = 'running' limit 1), cast(r.utilisation as text), r.utilisation_at "
                + "from runners r join accounts a on a.id = r.owner_id order by r.id").getResultList()) {
            Object[] c = (Object[]) row;
            out.add(new RunnerView(((Number) c[0]).longValue(), (String) c[1], (String) c[2], List.of((String[]) c[3]),
                    ((Number) c[4]).intValue(), ((Number) c[5]).longValue(), ((Number) c[6]).intValue(),
                    ((Number) c[7]).longValue(), List.of((String[]) c[8]), (String) c[9], (Instant) c[10],
                    c[11] == null ? null : ((Number) c[11]).longValue(), c[12] == null ? Map.of() : json.readMap((String) c[12]), (Instant) c[13]));
        }
        return out;
    }

    @Transactional
    public Optional<RecipeInfo> recipe(String id) {
        List<?> rows = em.createNativeQuery("select id, version, modality, task, needs_base_model, cast(parameters as text), produces_model from recipes where id = ?1")
                .setParameter(1, id).getResultList();
        if (rows.isEmpty()) {
            return Optional.empty();
        }
        Object[] c = (Object[]) rows.get(0);
        List<RecipeInfo.Param> params = json.read((String) c[5], new TypeReference<>() {
        }, List.of());
        return Optional.of(new RecipeInfo((String) c[0], (String) c[1], (String) c[2], (String) c[3], (Boolean) c[4], params, (Boolean) c[6]));
    }

    @Transactional
    public List<RecipeInfo> recipes() {
        @SuppressWarnings("unchecked")
        List<String> ids = em.createNativeQuery("select id from recipes order by id").getResultList();
        return ids.stream().map(id -> recipe(id).orElseThrow()).toList();
    }

}
