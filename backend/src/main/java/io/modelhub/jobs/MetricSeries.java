package io.modelhub.jobs;

import io.modelhub.metrics.Lttb;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A job's metric series as read so far, which a later read extends with only the rows that arrived since (see
 * {@link JobService#readNew}): a live job page then reads a few rows per refresh instead of the whole run. A step
 * reported again by a later attempt (after a resume) replaces the earlier value, as in one full read.
 */
public final class MetricSeries {
    /** name -> step -> (attempt, value) */
    private final Map<String, TreeMap<Long, double[]>> points = new TreeMap<>();
    private int lastAttempt = -1;
    private long lastStep = Long.MIN_VALUE;
    private long version;

    /** Rows newer than this: the last attempt seen, from its last step (that step again, a later metric may share it). */
    int lastAttempt() {
        return lastAttempt;
    }

    long lastStep() {
        return lastStep;
    }

    /** Changes whenever a read added or replaced a point; a page redraws only then. */
    public long version() {
        return version;
    }

    void add(String name, long step, int attempt, double value) {
        double[] old = points.computeIfAbsent(name, k -> new TreeMap<>()).get(step);
        if (old == null || old[0] < attempt || (old[0] == attempt && old[1] != value)) {
            points.get(name).put(step, new double[] {attempt, value});
            version++;
        }
        if (attempt > lastAttempt) {
            lastAttempt = attempt;
            lastStep = step;
        } else if (attempt == lastAttempt && step > lastStep) {
            lastStep = step;
        }
    }

    public int size(String name) {
        TreeMap<Long, double[]> series = points.get(name);
        return series == null ? 0 : series.size();
    }

    /** Every series, each downsampled with {@link Lttb} to at most {@code maxPoints} points (all when <= 0). */
    public Map<String, List<JobService.MetricPoint>> downsampled(int maxPoints) {
        Map<String, List<JobService.MetricPoint>> out = new TreeMap<>();
        points.forEach((name, series) -> {
            List<JobService.MetricPoint> all = new ArrayList<>(series.size());
            series.forEach((step, p) -> all.add(new JobService.MetricPoint(step, name, p[1], (int) p[0])));
            out.put(name, maxPoints <= 0 || all.size() <= maxPoints ? all : select(all, maxPoints));
        });
        return out;
    }

    private static List<JobService.MetricPoint> select(List<JobService.MetricPoint> points, int maxPoints) {
        double[] xs = new double[points.size()];
        double[] ys = new double[points.size()];
        for (int i = 0; i < xs.length; i++) {
            xs[i] = points.get(i).step();
            ys[i] = points.get(i).value();
        }
        int[] kept = Lttb.select(xs, ys, Math.max(3, maxPoints));
        List<JobService.MetricPoint> out = new ArrayList<>(kept.length);
        for (int i : kept) {
            out.add(points.get(i));
        }
        return out;
    }
}
