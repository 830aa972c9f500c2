package io.modelhub.ui.charts;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LineChartTest {

    @Test
    void drawsEverySeriesWithPointsLegendAndHoverTitles() {
        Map<String, List<LineChart.Point>> series = new LinkedHashMap<>();
        series.put("loss", List.of(new LineChart.Point(1, 2.0), new LineChart.Point(2, 1.0), new LineChart.Point(3, 0.5)));
        series.put("<val>", List.of(new LineChart.Point(1, 0.3), new LineChart.Point(3, 0.9)));
        String svg = LineChart.svg(series, "step");
        assertEquals(5, count(svg, "<circle class='point'"));
        assertEquals(2, count(svg, "<polyline"));
        assertEquals(2, count(svg, "<g class='legend'>"));
        assertTrue(svg.contains("<title>loss at step 2: 1</title>"), svg);
        assertTrue(svg.contains("&lt;val&gt;"), "names are escaped");
        assertFalse(svg.contains("<val>"));
    }

    @Test
    void emptyChartSaysSo() {
        assertTrue(LineChart.svg(Map.of(), "step").contains("No points yet"));
        assertEquals(0, count(LineChart.svg(Map.of("loss", List.of()), "step"), "<circle"));
    }

    @Test
    void ticksAreRoundNumbersCoveringTheRange() {
        assertArrayEquals(new double[]{0, 20, 40, 60, 80, 100}, LineChart.ticks(0, 100, 5), 1e-9);
        double[] t = LineChart.ticks(0.013, 0.87, 5);
        assertTrue(t[0] <= 0.013 && t[t.length - 1] >= 0.87);
        assertEquals(0.2, t[1] - t[0], 1e-9);
    }

    private static int count(String text, String needle) {
        return (int) Pattern.compile(Pattern.quote(needle)).matcher(text).results().count();
    }
}
