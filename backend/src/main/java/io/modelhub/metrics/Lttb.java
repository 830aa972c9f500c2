package io.modelhub.metrics;

/**
 * Largest-Triangle-Three-Buckets downsampling (Steinarsson, 2013): keeps the first and last point and, from each
 * bucket between, the point that spans the largest triangle with its neighbours, so peaks and dips survive while
 * a chart draws a bounded number of points however long the series is.
 */
public final class Lttb {
    private Lttb() {
    }

    /** Indexes of the kept points of (xs, ys), ascending; all indexes when the series has at most {@code threshold}. */
    public static int[] select(double[] xs, double[] ys, int threshold) {
        int n = xs.length;
        if (ys.length != n) {
            throw new IllegalArgumentException("xs and ys differ in length: " + n + " vs " + ys.length);
        }
        if (threshold >= n || n <= 2) {
            int[] all = new int[n];
            for (int i = 0; i < n; i++) {
                all[i] = i;
            }
            return all;
        }
        if (threshold < 3) {
            throw new IllegalArgumentException("A downsampled series keeps at least 3 points, asked for " + threshold);
        }
        int[] kept = new int[threshold];
        double every = (double) (n - 2) / (threshold - 2);
        int a = 0;
        kept[0] = 0;
        for (int i = 0; i < threshold - 2; i++) {
            // the average of the next bucket is the third corner of the triangle
            int nextStart = (int) Math.floor((i + 1) * every) + 1;
            int nextEnd = Math.min((int) Math.floor((i + 2) * every) + 1, n);
            double avgX = 0;
            double avgY = 0;
            for (int j = nextStart; j < nextEnd; j++) {
                avgX += xs[j];
                avgY += ys[j];
            }
            int count = Math.max(1, nextEnd - nextStart);
            avgX /= count;
            avgY /= count;

            int start = (int) Math.floor(i * every) + 1;
            int end = (int) Math.floor((i + 1) * every) + 1;
            double best = -1;
            int chosen = start;
            for (int j = start; j < end; j++) {
                double area = Math.abs((xs[a] - avgX) * (ys[j] - ys[a]) - (xs[a] - xs[j]) * (avgY - ys[a]));
                if (area > best) {
                    best = area;
                    chosen = j;
                }
            }
            kept[i + 1] = chosen;
            a = chosen;
        }
        kept[threshold - 1] = n - 1;
        return kept;
    }
}
