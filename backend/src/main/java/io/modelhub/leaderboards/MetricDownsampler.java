package io.modelhub.leaderboards;

/**
 * Largest-Triangle-Three-Buckets downsampling of one metric series: keeps the first and last point and, per
 * bucket, the point that spans the largest triangle with its neighbours, so peaks and dips survive where plain
 * striding would drop them.
 * <p>
 * Interim: branch ui6 brings the project's shared {@code Lttb}; at merge, {@link RunComparison#downsample} calls
 * that instead and this class goes.
 */
final class MetricDownsampler {
    private MetricDownsampler() {
    }

    /** Indexes of the kept points, ascending; all of them when there are no more than {@code threshold}. */
    static int[] lttb(long[] x, double[] y, int length, int threshold) {
        if (threshold < 3) {
            throw new IllegalArgumentException("keep at least 3 points, not " + threshold);
        }
        if (threshold >= length) {
            int[] all = new int[length];
            for (int i = 0; i < length; i++) {
                all[i] = i;
            }
            return all;
        }
        int[] kept = new int[threshold];
        double every = (double) (length - 2) / (threshold - 2);
        int a = 0;
        kept[0] = 0;
        for (int i = 0; i < threshold - 2; i++) {
            int avgFrom = (int) Math.floor((i + 1) * every) + 1;
            int avgTo = Math.min((int) Math.floor((i + 2) * every) + 1, length);
            double avgX = 0;
            double avgY = 0;
            for (int j = avgFrom; j < avgTo; j++) {
                avgX += x[j];
                avgY += y[j];
            }
            int span = Math.max(1, avgTo - avgFrom);
            avgX /= span;
            avgY /= span;
            int from = (int) Math.floor(i * every) + 1;
            int to = (int) Math.floor((i + 1) * every) + 1;
            double best = -1;
            int chosen = from;
            for (int j = from; j < to; j++) {
                double area = Math.abs((x[a] - avgX) * (y[j] - y[a]) - (x[a] - x[j]) * (avgY - y[a]));
                if (area > best) {
                    best = area;
                    chosen = j;
                }
            }
            kept[i + 1] = chosen;
            a = chosen;
        }
        kept[threshold - 1] = length - 1;
        return kept;
    }
}
