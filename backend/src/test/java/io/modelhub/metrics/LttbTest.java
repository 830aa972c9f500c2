package io.modelhub.metrics;

import org.junit.jupiter.api.Test;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LttbTest {

    @Test
    void shortSeriesComeBackWhole() {
        double[] xs = {0, 1, 2, 3};
        double[] ys = {5, 1, 4, 2};
        assertArrayEquals(new int[]{0, 1, 2, 3}, Lttb.select(xs, ys, 4));
        assertArrayEquals(new int[]{0, 1, 2, 3}, Lttb.select(xs, ys, 100));
        assertArrayEquals(new int[]{}, Lttb.select(new double[0], new double[0], 10));
    }

    @Test
    void keepsFirstLastAndTheExtremes() {
        int n = 10_000;
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = i;
            ys[i] = Math.sin(i / 50.0) * 0.1;
        }
        ys[3_333] = 50;   // one spike up
        ys[7_777] = -40;  // one dip down
        int[] kept = Lttb.select(xs, ys, 100);
        assertEquals(100, kept.length);
        assertEquals(0, kept[0]);
        assertEquals(n - 1, kept[kept.length - 1]);
        assertTrue(Arrays.stream(kept).anyMatch(i -> i == 3_333), "the spike survives");
        assertTrue(Arrays.stream(kept).anyMatch(i -> i == 7_777), "the dip survives");
        for (int i = 1; i < kept.length; i++) {
            assertTrue(kept[i] > kept[i - 1], "ascending, no duplicates");
        }
    }

    @Test
    void picksTheExtremeOfEachBucket() {
        // 0,0,9,0,0,0,-9,0 with 4 points: one bucket holds the 9, the other the -9.
        double[] xs = {0, 1, 2, 3, 4, 5, 6, 7};
        double[] ys = {0, 0, 9, 0, 0, 0, -9, 0};
        assertArrayEquals(new int[]{0, 2, 6, 7}, Lttb.select(xs, ys, 4));
    }

    @Test
    void refusesNonsense() {
        assertThrows(IllegalArgumentException.class, () -> Lttb.select(new double[5], new double[4], 3));
        assertThrows(IllegalArgumentException.class, () -> Lttb.select(new double[5], new double[5], 2));
    }
}
