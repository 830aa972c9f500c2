package io.modelhub.leaderboards;

import io.modelhub.accounts.Viewer;
import io.modelhub.commits.CommitService;
import io.modelhub.datasets.DatasetInspector;
import io.modelhub.repos.DatasetSchema;
import io.modelhub.platform.ApiException;
import io.modelhub.repos.Repo;
import io.modelhub.repos.RepoName;
import io.modelhub.repos.RepoService;
import io.modelhub.repos.RepoType;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.persistence.Tuple;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Benchmarks: a task, a dataset repository pinned to one commit (a branch name given at creation is resolved
 * once and never followed), a split, a metric and its direction. Pinning is what makes scores comparable.
 */
@ApplicationScoped
public class BenchmarkService {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,95}");

    @Inject
    EntityManager em;
    @Inject
    RepoService repos;
    @Inject
    CommitService commits;
    @Inject
    DatasetInspector datasets;

    /** What a user asks for; revision defaults to the dataset's main branch, higherIsBetter to true. */
    public record BenchmarkSpec(String name, String task, String dataset, String revision, String split, String metric,
                                Boolean higherIsBetter, String description) {
    }

    public record BenchmarkView(long id, String name, String task, String dataset, String datasetRevision, String split,
                                String metric, boolean higherIsBetter, String description, String owner, Instant createdAt) {
    }

    @Transactional
    public BenchmarkView create(Viewer viewer, BenchmarkSpec spec) {
        viewer.requireWriter();
        if (spec == null) {
            throw ApiException.badRequest("A benchmark needs name, task, dataset, split and metric");
        }
        String name = required(spec.name(), "name");
        if (!NAME.matcher(name).matches()) {
            throw ApiException.badRequest("Benchmark name '" + name + "' must be 1-96 letters, digits, '.', '_' or '-'");
        }
        String task = required(spec.task(), "task");
        String split = required(spec.split(), "split");
        String metric = required(spec.metric(), "metric");
        Repo dataset = repos.visible(viewer, RepoName.parse(RepoType.DATASET, required(spec.dataset(), "dataset")));
        if (dataset.privateRepo) {
            throw ApiException.badRequest("Dataset " + dataset.fullId() + " is private: a benchmark's dataset must be public, "
                    + "so that everyone who sees the leaderboard can check it");
        }
        String revision = commits.resolve(dataset, spec.revision());
        DatasetSchema schema = datasets.inspect(commits.files(revision));
        // train/validation/test always exist for an evaluator: missing ones are derived (seeded) from the others.
        if (!List.of("train", "validation", "test").contains(split) && (schema.splits() == null || !schema.splits().containsKey(split))) {
            throw ApiException.badRequest("Dataset " + dataset.fullId() + " at " + revision.substring(0, 10) + " has no split '"
                    + split + "' (it has: " + String.join(", ", schema.splits().keySet()) + ")");
        }
        if (!em.createNativeQuery("select 1 from benchmarks where lower(name) = lower(?1)").setParameter(1, name).getResultList().isEmpty()) {
            throw ApiException.conflict("A benchmark named '" + name + "' already exists");
        }
        Number id = (Number) em.createNativeQuery("insert into benchmarks (name, task, dataset, dataset_revision, split, metric, "
                        + "higher_is_better, description, owner_id) values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) returning id")
                .setParameter(1, name).setParameter(2, task).setParameter(3, dataset.fullId()).setParameter(4, revision)
                .setParameter(5, split).setParameter(6, metric).setParameter(7, spec.higherIsBetter() == null || spec.higherIsBetter())
                .setParameter(8, spec.description()).setParameter(9, viewer.accountId()).getSingleResult();
        return get(id.longValue());
    }

    @Transactional
    public BenchmarkView get(long id) {
        return find("b.id = " + id).stream().findFirst()
                .orElseThrow(() -> new ApiException(404, null, "Benchmark " + id + " not found"));
    }

    @Transactional
    public List<BenchmarkView> list() {
        return find("true");
    }

    private List<BenchmarkView> find(String where) {
        List<BenchmarkView> out = new ArrayList<>();
        for (Object row : em.createNativeQuery("select b.id, b.name, b.task, b.dataset, b.dataset_revision, b.split, b.metric, "
                + "b.higher_is_better, b.description, a.username, b.created_at from benchmarks b join accounts a on a.id = b.owner_id "
                + "where " + where + " order by b.name", Tuple.class).getResultList()) {
            Tuple c = (Tuple) row;
            out.add(new BenchmarkView(c.get("id", Number.class).longValue(), c.get("name", String.class), c.get("task", String.class),
                    c.get("dataset", String.class), c.get("dataset_revision").toString().trim(), c.get("split", String.class),
                    c.get("metric", String.class), c.get("higher_is_better", Boolean.class), c.get("description", String.class),
                    c.get("username", String.class), c.get("created_at", Instant.class)));
        }
        return out;
    }

    private static String required(String value, String field) {
        if (value == null || value.isBlank()) {
            throw ApiException.badRequest("A benchmark needs a " + field);
        }
        return value.trim();
    }
}
