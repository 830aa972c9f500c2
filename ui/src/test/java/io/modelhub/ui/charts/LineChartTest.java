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
    void keyedCurvesWithoutMarkersOrLegendForManyRuns() {
        List<LineChart.Series> series = List.of(
                new LineChart.Series("12", "#12 a → x", List.of(new LineChart.Point(1, 2.0), new LineChart.Point(2, 1.0))),
                new LineChart.Series("13", "#13 b", List.of()),
                new LineChart.Series("14", "#14 'c'", List.of(new LineChart.Point(1, 1.5), new LineChart.Point(3, 0.5))));
        String svg = LineChart.svg(series, "step", new LineChart.Style("val loss", false, false));
        assertTrue(svg.startsWith("<svg xmlns='http://www.w3.org/2000/svg' data-metric='val loss' "), svg);
        assertEquals(0, count(svg, "<circle"));
        assertEquals(0, count(svg, "<g class='legend'>"));
        assertEquals(2, count(svg, "<polyline class='curve'"), "a run without points draws no curve");
        assertTrue(svg.contains("<polyline class='curve' data-key='12' fill='none' stroke-width='1.5' stroke='"
                + LineChart.colour(0) + "'"), svg);
        // the third run keeps the third colour, as in a legend drawn by the page
        assertTrue(svg.contains("data-key='14' fill='none' stroke-width='1.5' stroke='" + LineChart.colour(2) + "'"), svg);
        assertTrue(svg.contains("<title>#14 &#39;c&#39;</title></polyline>"), svg);
        assertFalse(LineChart.svg(Map.of("loss", List.of(new LineChart.Point(1, 1))), "step").contains("data-metric"));
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
