package io.modelhub.metrics;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricBucketsTest {

    @Test
    void widthIsTheWidestThatStillGivesEachGroupABucket() {
        // 500 points = 249 groups: 10k steps need width 16 (625 buckets), 64 would give 157
        assertEquals(16, MetricBuckets.width(1, 10_000, 500));
        assertEquals(1024, MetricBuckets.width(0, 1_000_000, 500));
        assertEquals(16, MetricBuckets.width(5, 50, 500), "too short for any width: the narrowest");
        assertEquals(1048576, MetricBuckets.width(0, 10_000_000_000L, 500));
        assertThrows(IllegalArgumentException.class, () -> MetricBuckets.width(0, 100, 3));
    }

    @Test
    void bucketsSplitAtMultiplesOfTheWidthAndBreakTiesTowardsTheEarlierStep() {
        long[] steps = {-3, 0, 5, 15, 16, 17, 40};
        double[] values = {1, 2, 2, 0.5, 7, 7, 3};
        List<MetricBuckets.Bucket> b = MetricBuckets.of(steps, values, steps.length, 16);
        assertEquals(List.of(
                new MetricBuckets.Bucket(-1, 1, -3, 1, -3, 1, -3, 1, -3, 1),
                new MetricBuckets.Bucket(0, 3, 0, 2, 15, 0.5, 15, 0.5, 0, 2),
                new MetricBuckets.Bucket(1, 2, 16, 7, 17, 7, 16, 7, 16, 7),
                new MetricBuckets.Bucket(2, 1, 40, 3, 40, 3, 40, 3, 40, 3)), b);
    }

    @Test
    void aDownsampledSeriesKeepsItsEndsAndEveryGroupsExtremes() {
        Random random = new Random(17);
        int size = 10_000;
        long[] steps = new long[size];
        double[] values = new double[size];
        for (int i = 0; i < size; i++) {
            steps[i] = 1 + i * 3L;
            values[i] = Math.exp(-i / 2000.0) + random.nextGaussian() * 0.05 + (i == 7_777 ? 5 : 0) - (i == 123 ? 5 : 0);
        }
        for (int points : new int[]{4, 50, 500, 501}) {
            long width = MetricBuckets.width(steps[0], steps[size - 1], points);
            MetricBuckets.Points drawn = MetricBuckets.reduce(MetricBuckets.of(steps, values, size, width), points);
            assertTrue(drawn.steps().length <= points && drawn.steps().length >= points / 2, points + ": " + drawn.steps().length);
            assertEquals(steps[0], drawn.steps()[0]);
            assertEquals(steps[size - 1], drawn.steps()[drawn.steps().length - 1]);
            assertTrue(contains(drawn, steps[7_777], values[7_777]), "the spike survives at " + points + " points");
            assertTrue(contains(drawn, steps[123], values[123]), "the dip survives at " + points + " points");
            for (int i = 0; i < drawn.steps().length; i++) {
                int at = (int) ((drawn.steps()[i] - 1) / 3);
                assertEquals(values[at], drawn.values()[i], "a drawn point is a recorded point");
                assertTrue(i == 0 || drawn.steps()[i] > drawn.steps()[i - 1], "steps ascend");
            }
        }
        // each group's lowest and highest point, checked against a plain scan of the group's steps
        MetricBuckets.Points drawn = MetricBuckets.reduce(MetricBuckets.of(steps, values, size, 16), 500);
        long perGroup = (Math.floorDiv(steps[size - 1], 16) - Math.floorDiv(steps[0], 16) + 1 + 248) / 249;
        for (long group = 0; group * perGroup * 16 <= steps[size - 1]; group++) {
            double min = Double.MAX_VALUE;
            double max = -Double.MAX_VALUE;
            for (int i = 0; i < size; i++) {
                if (Math.floorDiv(steps[i], 16) / perGroup == group) {
                    min = Math.min(min, values[i]);
                    max = Math.max(max, values[i]);
                }
            }
            boolean foundMin = false;
            boolean foundMax = false;
            for (int i = 0; i < drawn.steps().length; i++) {
                if (Math.floorDiv(drawn.steps()[i], 16) / perGroup == group) {
                    foundMin |= drawn.values()[i] == min;
                    foundMax |= drawn.values()[i] == max;
                }
            }
            assertTrue(foundMin && foundMax, "group " + group);
        }
    }

    private static boolean contains(MetricBuckets.Points p, long step, double value) {
        for (int i = 0; i < p.steps().length; i++) {
            if (p.steps()[i] == step && p.values()[i] == value) {
                return true;
            }
        }
        return false;
    }
}
