package io.modelhub.leaderboards;

import io.modelhub.accounts.Viewer;
import io.modelhub.jobs.JobService;
import io.modelhub.metrics.MetricBuckets;
import io.modelhub.platform.ApiException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.hibernate.Session;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
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
 * points (so a browser draws 100 runs of 10k points as 100 x N, read from downsampled buckets kept as metrics arrive), a table of hyperparameters (the recipe and its
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
        if (n < 4 || n > MAX_POINTS) {
            throw ApiException.badRequest("points must be between 4 and " + MAX_POINTS + " (got " + n + ")");
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

    /** One series' summary, from its coarsest buckets. */
    private record Summary(long jobId, String metric, int points, boolean oneAttempt, long firstStep, long lastStep) {
    }

    /**
     * The runs' series: a series of at most {@code points} points, or one that a resumed job recorded in more than
     * one attempt (a later attempt's value replaces an earlier one's at the same step), is read point by point from
     * job_metrics; a longer one from its buckets (job_metric_buckets), at the widest width that still fills the
     * chart. Both give the chart {@link MetricBuckets} draws, and they come back in (job, metric) order.
     */
    private List<Series> loadSeries(List<Long> ids, int points) {
        return em.unwrap(Session.class).doReturningWork(connection -> {
            Long[] jobIds = ids.toArray(Long[]::new);
            List<Summary> raw = new ArrayList<>();
            List<Summary> bucketed = new ArrayList<>();
            try (PreparedStatement st = connection.prepareStatement("select job_id, name, sum(points) as points, "
                    + "min(min_attempt) as min_attempt, max(max_attempt) as max_attempt, min(first_step) as first_step, "
                    + "max(last_step) as last_step from job_metric_buckets where job_id = any(?) and width = ? group by job_id, name")) {
                st.setArray(1, connection.createArrayOf("bigint", jobIds));
                st.setLong(2, MetricBuckets.WIDTHS[MetricBuckets.WIDTHS.length - 1]);
                try (ResultSet rs = st.executeQuery()) {
                    while (rs.next()) {
                        Summary s = new Summary(rs.getLong("job_id"), rs.getString("name"), rs.getInt("points"),
                                rs.getInt("min_attempt") == rs.getInt("max_attempt"), rs.getLong("first_step"), rs.getLong("last_step"));
                        (s.points() > points && s.oneAttempt() ? bucketed : raw).add(s);
                    }
                }
            }
            List<Series> out = new ArrayList<>();
            if (!bucketed.isEmpty()) {
                out.addAll(readBuckets(connection, bucketed, points));
            }
            if (!raw.isEmpty()) {
                out.addAll(readPoints(connection, raw, points));
            }
            out.sort(java.util.Comparator.comparingLong(Series::jobId).thenComparing(Series::metric));
            return out;
        });
    }

    private static List<Series> readBuckets(Connection connection, List<Summary> series, int points) throws SQLException {
        Map<String, Summary> byKey = new LinkedHashMap<>();
        series.forEach(s -> byKey.put(s.jobId() + "/" + s.metric(), s));
        List<Series> out = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement("select b.job_id, b.name, b.bucket, b.points, b.first_step, "
                + "b.first_value, b.last_step, b.last_value, b.min_step, b.min_value, b.max_step, b.max_value "
                + "from unnest(?, ?, ?) as s (job_id, name, width) "
                + "join job_metric_buckets b on b.job_id = s.job_id and b.name = s.name and b.width = s.width "
                + "order by b.job_id, b.name, b.bucket")) {
            st.setArray(1, connection.createArrayOf("bigint", series.stream().map(Summary::jobId).toArray(Long[]::new)));
            st.setArray(2, connection.createArrayOf("text", series.stream().map(Summary::metric).toArray(String[]::new)));
            st.setArray(3, connection.createArrayOf("bigint", series.stream()
                    .map(s -> MetricBuckets.width(s.firstStep(), s.lastStep(), points)).toArray(Long[]::new)));
            st.setFetchSize(20_000);
            try (ResultSet rs = st.executeQuery()) {
                int jobColumn = rs.findColumn("job_id"), nameColumn = rs.findColumn("name"), bucketColumn = rs.findColumn("bucket");
                int pointsColumn = rs.findColumn("points"), firstStep = rs.findColumn("first_step"), firstValue = rs.findColumn("first_value");
                int lastStep = rs.findColumn("last_step"), lastValue = rs.findColumn("last_value");
                int minStep = rs.findColumn("min_step"), minValue = rs.findColumn("min_value");
                int maxStep = rs.findColumn("max_step"), maxValue = rs.findColumn("max_value");
                Summary current = null;
                List<MetricBuckets.Bucket> buckets = new ArrayList<>();
                while (rs.next()) {
                    long job = rs.getLong(jobColumn);
                    String name = rs.getString(nameColumn);
                    if (current == null || current.jobId() != job || !current.metric().equals(name)) {
                        if (current != null) {
                            out.add(series(current, buckets, points));
                        }
                        current = byKey.get(job + "/" + name);
                        buckets = new ArrayList<>();
                    }
                    buckets.add(new MetricBuckets.Bucket(rs.getLong(bucketColumn), rs.getInt(pointsColumn),
                            rs.getLong(firstStep), rs.getDouble(firstValue), rs.getLong(lastStep), rs.getDouble(lastValue),
                            rs.getLong(minStep), rs.getDouble(minValue), rs.getLong(maxStep), rs.getDouble(maxValue)));
                }
                if (current != null) {
                    out.add(series(current, buckets, points));
                }
            }
        }
        return out;
    }

    private static Series series(Summary s, List<MetricBuckets.Bucket> buckets, int points) {
        MetricBuckets.Points drawn = MetricBuckets.reduce(buckets, points);
        return new Series(s.jobId(), s.metric(), s.points(), drawn.steps(), drawn.values());
    }

    /**
     * The points of the series, streamed in (job, metric, step) order. A step recorded by more than one attempt
     * (a resumed job) keeps the latest attempt's value.
     */
    private static List<Series> readPoints(Connection connection, List<Summary> series, int points) throws SQLException {
        List<Series> out = new ArrayList<>();
        try (PreparedStatement st = connection.prepareStatement("select m.job_id, m.name, m.step, m.value from job_metrics m "
                + "join unnest(?, ?) as s (job_id, name) on m.job_id = s.job_id and m.name = s.name "
                + "order by m.job_id, m.name, m.step, m.attempt")) {
            st.setArray(1, connection.createArrayOf("bigint", series.stream().map(Summary::jobId).toArray(Long[]::new)));
            st.setArray(2, connection.createArrayOf("text", series.stream().map(Summary::metric).toArray(String[]::new)));
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
    }

    /**
     * The one place the compare view's downsampling is chosen: all points of a series that fits the chart, else
     * the min/max rule of {@link MetricBuckets}, which the bucketed read draws as well.
     */
    static Series downsample(long jobId, String metric, long[] steps, double[] values, int size, int points) {
        if (size <= points) {
            return new Series(jobId, metric, size, Arrays.copyOf(steps, size), Arrays.copyOf(values, size));
        }
        long width = MetricBuckets.width(steps[0], steps[size - 1], points);
        MetricBuckets.Points drawn = MetricBuckets.reduce(MetricBuckets.of(steps, values, size, width), points);
        return new Series(jobId, metric, size, drawn.steps(), drawn.values());
    }
}
