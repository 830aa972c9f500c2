package io.modelhub.ui.charts;

import com.vaadin.flow.component.html.Div;
import io.modelhub.ui.Formats;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A line chart drawn on the server as inline SVG (no chart library, no frontend bundle): several series, axes with
 * ticks, a legend, and a hover title on every point. {@link #setSeries} redraws it; through push the browser
 * sees the new points without a reload. Give it downsampled series (see io.modelhub.metrics.Lttb).
 * <p>
 * For many long series (the compare view: a curve per run) turn off the point markers and the in-chart legend,
 * which would be tens of thousands of elements and a legend wider than the chart; {@link #colour} lets the page
 * draw its own legend in the same colours.
 */
public class LineChart extends Div {
    private static final String[] COLOURS = {"#1676f3", "#e8590c", "#2f9e44", "#ae3ec9", "#f08c00", "#0c8599", "#c2255c"};
    private static final int WIDTH = 640;
    private static final int HEIGHT = 260;
    private static final int LEFT = 56;
    private static final int RIGHT = 12;
    private static final int TOP = 12;
    private static final int BOTTOM = 46;

    public record Point(double x, double y) {
    }

    /**
     * One curve: {@code key} is stable and machine-readable (rendered as data-key on its polyline and group, e.g. a
     * job id), {@code name} is what the legend and hover titles say.
     */
    public record Series(String key, String name, List<Point> points) {
    }

    /** What to draw besides the curves. */
    record Style(String metric, boolean markers, boolean legend) {
        static final Style DEFAULT = new Style(null, true, true);
    }

    private final String xLabel;
    private Style style = Style.DEFAULT;
    private List<Series> shown = List.of();

    public LineChart(String xLabel) {
        this.xLabel = xLabel;
        addClassName("line-chart");
        getStyle().set("max-width", WIDTH + "px").set("width", "100%");
        redraw();
    }

    /** Names the metric the chart shows: rendered as data-metric on the svg. */
    public LineChart metric(String metric) {
        style = new Style(metric, style.markers(), style.legend());
        redraw();
        return this;
    }

    /** Draws curves only, no circle per point (a curve keeps a hover title with its name). */
    public LineChart withoutMarkers() {
        style = new Style(style.metric(), false, style.legend());
        redraw();
        return this;
    }

    /** Leaves the legend to the page (see {@link #colour}). */
    public LineChart withoutLegend() {
        style = new Style(style.metric(), style.markers(), false);
        redraw();
        return this;
    }

    /** The colour of the series at {@code index} in the list given to {@link #setSeries(List)}. */
    public static String colour(int index) {
        return COLOURS[index % COLOURS.length];
    }

    /** Replaces the drawn series (name to points in x order); each name is also its key. */
    public void setSeries(Map<String, List<Point>> series) {
        setSeries(byName(series));
    }

    /** Replaces the drawn series (points in x order); colours go by position in the list. */
    public void setSeries(List<Series> series) {
        shown = List.copyOf(series);
        redraw();
    }

    private void redraw() {
        getElement().setProperty("innerHTML", svg(shown, xLabel, style));
    }

    private static List<Series> byName(Map<String, List<Point>> series) {
        List<Series> out = new ArrayList<>();
        new LinkedHashMap<>(series).forEach((name, points) -> out.add(new Series(name, name, points)));
        return out;
    }

    static String svg(Map<String, List<Point>> series, String xLabel) {
        return svg(byName(series), xLabel, Style.DEFAULT);
    }

    static String svg(List<Series> series, String xLabel, Style style) {
        double minX = Double.POSITIVE_INFINITY, maxX = Double.NEGATIVE_INFINITY;
        double minY = Double.POSITIVE_INFINITY, maxY = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (Point p : s.points()) {
                if (Double.isFinite(p.y())) {
                    minX = Math.min(minX, p.x());
                    maxX = Math.max(maxX, p.x());
                    minY = Math.min(minY, p.y());
                    maxY = Math.max(maxY, p.y());
                }
            }
        }
        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns='http://www.w3.org/2000/svg'");
        if (style.metric() != null) {
            svg.append(" data-metric='").append(Formats.escapeHtml(style.metric())).append("'");
        }
        svg.append(" viewBox='0 0 ").append(WIDTH).append(' ').append(HEIGHT)
                .append("' width='100%' role='img' style='font: 11px sans-serif'>");
        if (minX > maxX) {
            svg.append("<text class='no-data' x='").append(WIDTH / 2).append("' y='").append(HEIGHT / 2)
                    .append("' text-anchor='middle' fill='#888'>No points yet</text></svg>");
            return svg.toString();
        }
        if (minY == maxY) {
            minY -= Math.abs(minY) * 0.1 + 0.5;
            maxY += Math.abs(maxY) * 0.1 + 0.5;
        }
        if (minX == maxX) {
            minX -= 1;
            maxX += 1;
        }
        double[] yTicks = ticks(minY, maxY, 5);
        double[] xTicks = ticks(minX, maxX, 6);
        minY = Math.min(minY, yTicks[0]);
        maxY = Math.max(maxY, yTicks[yTicks.length - 1]);
        final double x0 = minX, x1 = maxX, y0 = minY, y1 = maxY;
        int plotW = WIDTH - LEFT - RIGHT;
        int plotH = HEIGHT - TOP - BOTTOM;
        java.util.function.DoubleUnaryOperator sx = x -> LEFT + (x - x0) / (x1 - x0) * plotW;
        java.util.function.DoubleUnaryOperator sy = y -> TOP + plotH - (y - y0) / (y1 - y0) * plotH;

        svg.append("<g class='axes' stroke='#bbb'>");
        svg.append(line(LEFT, TOP + plotH, LEFT + plotW, TOP + plotH)).append(line(LEFT, TOP, LEFT, TOP + plotH));
        svg.append("</g><g class='ticks' fill='#555'>");
        for (double t : yTicks) {
            if (t < y0 || t > y1) {
                continue;
            }
            double y = sy.applyAsDouble(t);
            svg.append("<line x1='").append(LEFT).append("' x2='").append(LEFT + plotW).append("' y1='").append(f(y))
                    .append("' y2='").append(f(y)).append("' stroke='#eee'/>");
            svg.append("<text x='").append(LEFT - 6).append("' y='").append(f(y + 4)).append("' text-anchor='end'>")
                    .append(label(t)).append("</text>");
        }
        for (double t : xTicks) {
            if (t < x0 || t > x1) {
                continue;
            }
            double x = sx.applyAsDouble(t);
            svg.append(line(x, TOP + plotH, x, TOP + plotH + 4).replace("/>", " stroke='#bbb'/>"));
            svg.append("<text x='").append(f(x)).append("' y='").append(TOP + plotH + 16).append("' text-anchor='middle'>")
                    .append(label(t)).append("</text>");
        }
        svg.append("<text x='").append(LEFT + plotW / 2).append("' y='").append(HEIGHT - 18).append("' text-anchor='middle'>")
                .append(Formats.escapeHtml(xLabel)).append("</text></g>");

        int i = 0;
        int legendX = LEFT;
        for (Series s : series) {
            String colour = colour(i++);
            String name = Formats.escapeHtml(s.name());
            String key = Formats.escapeHtml(s.key());
            List<String> coords = new ArrayList<>();
            StringBuilder markers = new StringBuilder();
            for (Point p : s.points()) {
                if (!Double.isFinite(p.y())) {
                    continue;
                }
                String cx = f(sx.applyAsDouble(p.x()));
                String cy = f(sy.applyAsDouble(p.y()));
                coords.add(cx + "," + cy);
                if (!style.markers()) {
                    continue;
                }
                markers.append("<circle class='point' cx='").append(cx).append("' cy='").append(cy)
                        .append("' r='2.2' fill='").append(colour).append("'><title>").append(name).append(" at ")
                        .append(Formats.escapeHtml(xLabel)).append(' ').append(label(p.x())).append(": ").append(label(p.y()))
                        .append("</title></circle>");
            }
            svg.append("<g class='series' data-series='").append(name).append("' data-key='").append(key).append("'>");
            if (!coords.isEmpty()) {
                svg.append("<polyline class='curve' data-key='").append(key).append("' fill='none' stroke-width='1.5' stroke='")
                        .append(colour).append("' points='").append(String.join(" ", coords)).append("'><title>").append(name)
                        .append("</title></polyline>");
            }
            svg.append(markers).append("</g>");
            if (!style.legend()) {
                continue;
            }
            svg.append("<g class='legend'><rect x='").append(legendX).append("' y='").append(HEIGHT - 11)
                    .append("' width='10' height='10' fill='").append(colour).append("'/><text x='").append(legendX + 14)
                    .append("' y='").append(HEIGHT - 2).append("'>").append(name).append("</text></g>");
            legendX += 24 + 7 * s.name().length();
        }
        return svg.append("</svg>").toString();
    }

    /** About {@code count} round tick values (1, 2 or 5 times a power of ten) covering [min, max]. */
    static double[] ticks(double min, double max, int count) {
        double raw = (max - min) / Math.max(1, count);
        double magnitude = Math.pow(10, Math.floor(Math.log10(raw)));
        double step = magnitude;
        for (double m : new double[]{1, 2, 5, 10}) {
            step = m * magnitude;
            if (raw <= step) {
                break;
            }
        }
        double first = Math.floor(min / step) * step;
        int n = (int) Math.ceil((max - first) / step) + 1;
        double[] out = new double[Math.max(2, n)];
        for (int i = 0; i < out.length; i++) {
            out[i] = first + i * step;
        }
        return out;
    }

    private static String line(double x1, double y1, double x2, double y2) {
        return "<line x1='" + f(x1) + "' y1='" + f(y1) + "' x2='" + f(x2) + "' y2='" + f(y2) + "'/>";
    }

    private static String f(double v) {
        return String.format(Locale.ROOT, "%.1f", v);
    }

    static String label(double v) {
        if (v == Math.rint(v) && Math.abs(v) < 1e9) {
            return String.valueOf((long) v);
        }
        double a = Math.abs(v);
        return String.format(Locale.ROOT, a >= 100 ? "%.0f" : a >= 1 ? "%.2f" : a >= 0.001 ? "%.4f" : "%.2e", v);
    }
}
