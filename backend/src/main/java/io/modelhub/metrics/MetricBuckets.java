package io.modelhub.metrics;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Min/max downsampling of a metric series through step buckets, the compare view's chart rule. A series is cut
 * into buckets of {@code width} consecutive steps (the widths PostgreSQL keeps per (job, metric) in
 * job_metric_buckets, V17), adjacent buckets are merged into at most {@code (points - 2) / 2} groups, and each group
 * gives its lowest and its highest point, with the series' first and last point: every peak and dip of the
 * series stays on the chart, and each drawn point is a recorded one. Buckets made here from raw points and
 * buckets read from the table give the same chart.
 */
public final class MetricBuckets {
    /** Must equal the widths of job_metric_buckets_merge (V17). */
    public static final long[] WIDTHS = {16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576};

    private MetricBuckets() {
    }

    /** One bucket of a series: its point count and its first, last, lowest and highest point. */
    public record Bucket(long bucket, int points, long firstStep, double firstValue, long lastStep, double lastValue,
                         long minStep, double minValue, long maxStep, double maxValue) {
    }

    /** The downsampled points, in step order. */
    public record Points(long[] steps, double[] values) {
    }

    /** The widest width leaving at least one bucket per group over the steps first..last (the narrowest if none does). */
    public static long width(long firstStep, long lastStep, int points) {
        int groups = groups(points);
        long chosen = WIDTHS[0];
        for (long w : WIDTHS) {
            if (Math.floorDiv(lastStep, w) - Math.floorDiv(firstStep, w) + 1 >= groups) {
                chosen = w;
            }
        }
        return chosen;
    }

    private static int groups(int points) {
        if (points < 4) {
            throw new IllegalArgumentException("min/max downsampling draws at least 4 points, asked for " + points);
        }
        return (points - 2) / 2;
    }

    /**
     * Buckets of width {@code width} of the points (steps ascending, one value per step), with the ties broken
     * as the SQL merge breaks them: lowest/highest by value, then the earlier step.
     */
    public static List<Bucket> of(long[] steps, double[] values, int size, long width) {
        List<Bucket> out = new ArrayList<>();
        int i = 0;
        while (i < size) {
            long bucket = Math.floorDiv(steps[i], width);
            int start = i;
            int min = i;
            int max = i;
            while (i < size && Math.floorDiv(steps[i], width) == bucket) {
                if (Double.compare(values[i], values[min]) < 0) {
                    min = i;
                }
                if (Double.compare(values[i], values[max]) > 0) {
                    max = i;
                }
                i++;
            }
            int last = i - 1;
            out.add(new Bucket(bucket, i - start, steps[start], values[start], steps[last], values[last],
                    steps[min], values[min], steps[max], values[max]));
        }
        return out;
    }

    /**
     * The chart's points from the series' buckets (ascending by bucket): the first point, per group its lowest and
     * highest point, and the last point; at most {@code points} of them.
     */
    public static Points reduce(List<Bucket> buckets, int points) {
        if (buckets.isEmpty()) {
            return new Points(new long[0], new double[0]);
        }
        int groups = groups(points);
        long firstBucket = buckets.get(0).bucket();
        long span = buckets.get(buckets.size() - 1).bucket() - firstBucket + 1;
        long perGroup = Math.max(1, (span + groups - 1) / groups);
        long[] steps = new long[2 * groups + 2];
        double[] values = new double[steps.length];
        int n = 0;
        Bucket first = buckets.get(0);
        steps[n] = first.firstStep();
        values[n++] = first.firstValue();
        int i = 0;
        while (i < buckets.size()) {
            long group = (buckets.get(i).bucket() - firstBucket) / perGroup;
            Bucket b = buckets.get(i);
            long minStep = b.minStep();
            double minValue = b.minValue();
            long maxStep = b.maxStep();
            double maxValue = b.maxValue();
            for (i++; i < buckets.size() && (buckets.get(i).bucket() - firstBucket) / perGroup == group; i++) {
                b = buckets.get(i);
                // buckets come in step order: on a tie the earlier point stays, as within a bucket
                if (Double.compare(b.minValue(), minValue) < 0) {
                    minStep = b.minStep();
                    minValue = b.minValue();
                }
                if (Double.compare(b.maxValue(), maxValue) > 0) {
                    maxStep = b.maxStep();
                    maxValue = b.maxValue();
                }
            }
            boolean minFirst = minStep <= maxStep;
            n = append(steps, values, n, minFirst ? minStep : maxStep, minFirst ? minValue : maxValue);
            n = append(steps, values, n, minFirst ? maxStep : minStep, minFirst ? maxValue : minValue);
        }
        Bucket last = buckets.get(buckets.size() - 1);
        n = append(steps, values, n, last.lastStep(), last.lastValue());
        return new Points(Arrays.copyOf(steps, n), Arrays.copyOf(values, n));
    }

    /** Appends a point unless it is the step just appended (a group's min and max, or the first point, repeated). */
    private static int append(long[] steps, double[] values, int n, long step, double value) {
        if (n > 0 && steps[n - 1] == step) {
            return n;
        }
        steps[n] = step;
        values[n] = value;
        return n + 1;
    }
}
