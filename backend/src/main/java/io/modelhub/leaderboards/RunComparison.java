package io.modelhub.leaderboards;

import io.modelhub.accounts.Viewer;
import io.modelhub.jobs.JobService;
import io.modelhub.metrics.Lttb;
import io.modelhub.platform.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.hibernate.Session;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * The data of the compare view, assembled on the server: per run and metric its curve downsampled to at most N
 * points (so a browser draws 100 runs of 10k points as 100 x N), a table of hyperparameters (the recipe and its
 * inputs, then the job parameters) with the rows that differ marked, and the final metrics.
 */
@ApplicationScoped
public class RunComparison {
    public static final int DEFAULT_POINTS = 500;
    public static final int MAX_POINTS = 10_000;
    public static final int MAX_RUNS = 200;

    @Inject
    EntityManager em;
    @Inject
    JobService jobs;

    public record Run(long jobId, String label, String recipe, String state, String owner, String outputRepo, Instant createdAt) {
    }

    /** One run's curve of one metric: totalPoints as recorded, steps/values as downsampled. */
    public record Series(long jobId, String metric, int totalPoints, long[] steps, double[] values) {
    }

    /** One table row: the value per run (by job id, as text keys in JSON), and whether the runs disagree. */
    public record Row(String name, Map<Long, Object> values, boolean differs) {
    }

    public record Comparison(List<Run> runs, List<String> metrics, List<Series> series, List<Row> hyperparameters,
                             List<Row> finalMetrics, int points) {
    }

    @Transactional
    public Comparison compare(Viewer viewer, List<Long> jobIds, Integer points) {
        List<Long> ids = jobIds == null ? List.of() : new ArrayList<>(new LinkedHashSet<>(jobIds.stream().filter(Objects::nonNull).toList()));
        if (ids.isEmpty()) {
            throw ApiException.badRequest("Name the runs to compare: jobs=1,2,...");
        }
        if (ids.size() > MAX_RUNS) {
            throw ApiException.badRequest("At most " + MAX_RUNS + " runs can be compared at once (got " + ids.size() + ")");
        }
        int n = points == null ? DEFAULT_POINTS : points;
        if (n < 3 || n > MAX_POINTS) {
            throw ApiException.badRequest("points must be between 3 and " + MAX_POINTS + " (got " + n + ")");
        }
        List<JobService.JobView> views = ids.stream().map(id -> jobs.get(viewer, id)).toList();

        List<Run> runs = new ArrayList<>();
        List<Row> hyper = new ArrayList<>();
        Map<String, Map<Long, Object>> table = new LinkedHashMap<>();
        Map<String, Map<Long, Object>> finals = new LinkedHashMap<>();
        for (JobService.JobView j : views) {
            runs.add(new Run(j.id(), "#" + j.id() + " " + j.recipe() + (j.outputRepo() == null ? "" : " → " + j.outputRepo()),
                    j.recipe(), j.state().wire(), j.owner(), j.outputRepo(), j.createdAt()));
            table.computeIfAbsent("recipe", k -> new LinkedHashMap<>()).put(j.id(), j.recipe() + " v" + j.recipeVersion());
            table.computeIfAbsent("base_model", k -> new LinkedHashMap<>()).put(j.id(), j.baseModel());
            table.computeIfAbsent("dataset", k -> new LinkedHashMap<>()).put(j.id(), j.dataset());
            new java.util.TreeMap<>(j.params()).forEach((k, v) -> table.computeIfAbsent(k, x -> new LinkedHashMap<>()).put(j.id(), v));
            if (j.result() != null) {
                new java.util.TreeMap<>(j.result()).forEach((k, v) -> {
                    if (v instanceof Number) {
                        finals.computeIfAbsent(k, x -> new LinkedHashMap<>()).put(j.id(), v);
                    }
                });
            }
        }
        table.forEach((name, values) -> hyper.add(row(name, values, ids)));
        List<Row> finalRows = new ArrayList<>();
        finals.forEach((name, values) -> finalRows.add(row(name, values, ids)));

        List<Series> series = loadSeries(ids, n);
        Set<String> metrics = new TreeSet<>();
        series.forEach(s -> metrics.add(s.metric()));
        return new Comparison(runs, List.copyOf(metrics), series, hyper, finalRows, n);
    }

    private static Row row(String name, Map<Long, Object> values, List<Long> ids) {
        Set<String> distinct = new LinkedHashSet<>();
        for (Long id : ids) {
            Object v = values.get(id);
            distinct.add(v instanceof Number num ? Double.toString(num.doubleValue()) : String.valueOf(v));
        }
        return new Row(name, values, distinct.size() > 1);
    }

    /**
     * Every metric point of the runs, streamed in (job, metric, step) order. A step recorded by more than one
     * attempt (a resumed job) keeps the latest attempt's value.
     */
    private List<Series> loadSeries(List<Long> ids, int points) {
        String idArray = "{" + String.join(",", ids.stream().map(String::valueOf).toList()) + "}";
        return em.unwrap(Session.class).doReturningWork(connection -> {
            List<Series> out = new ArrayList<>();
            try (PreparedStatement st = connection.prepareStatement("select job_id, name, step, value from job_metrics "
                    + "where job_id = any(cast(? as bigint[])) order by job_id, name, step, attempt")) {
                st.setString(1, idArray);
                st.setFetchSize(20_000);
                try (ResultSet rs = st.executeQuery()) {
                    // columns by name, looked up once: the loop below may read millions of rows
                    int jobColumn = rs.findColumn("job_id"), nameColumn = rs.findColumn("name");
                    int stepColumn = rs.findColumn("step"), valueColumn = rs.findColumn("value");
                    long job = -1;
                    String name = null;
                    long[] steps = new long[1024];
                    double[] values = new double[1024];
                    int size = 0;
                    while (rs.next()) {
                        long j = rs.getLong(jobColumn);
                        String m = rs.getString(nameColumn);
                        if (j != job || !m.equals(name)) {
                            if (size > 0) {
                                out.add(downsample(job, name, steps, values, size, points));
                            }
                            job = j;
                            name = m;
                            size = 0;
                        }
                        long step = rs.getLong(stepColumn);
                        double value = rs.getDouble(valueColumn);
                        if (size > 0 && steps[size - 1] == step) {
                            values[size - 1] = value;
                            continue;
                        }
                        if (size == steps.length) {
                            steps = Arrays.copyOf(steps, size * 2);
                            values = Arrays.copyOf(values, size * 2);
                        }
                        steps[size] = step;
                        values[size] = value;
                        size++;
                    }
                    if (size > 0) {
                        out.add(downsample(job, name, steps, values, size, points));
                    }
                }
            }
            return out;
        });
    }

    /** The one place the downsampling algorithm is chosen. */
    static Series downsample(long jobId, String metric, long[] steps, double[] values, int size, int points) {
        // Lttb takes exact-length arrays; the read buffers are longer than the series they hold
        double[] xs = new double[size];
        for (int i = 0; i < size; i++) {
            xs[i] = steps[i];
        }
        int[] kept = Lttb.select(xs, Arrays.copyOf(values, size), points);
        long[] s = new long[kept.length];
        double[] v = new double[kept.length];
        for (int i = 0; i < kept.length; i++) {
            s[i] = steps[kept[i]];
            v[i] = values[kept[i]];
        }
        return new Series(jobId, metric, size, s, v);
    }
}
