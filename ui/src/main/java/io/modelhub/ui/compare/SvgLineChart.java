package io.modelhub.ui.compare;

import com.vaadin.flow.component.html.Div;

import java.util.List;
import java.util.Locale;

/**
 * Interim chart of the compare view: one SVG with a polyline per run, drawn on the server (no JS bundle).
 * Branch ui6 brings the project's {@code LineChart} component; at merge, {@link CompareView} uses that and this
 * class goes. The SVG is set as markup because elements created through Flow's Element API land in the HTML
 * namespace, where the browser does not draw them.
 */
final class SvgLineChart extends Div {
    static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"};
    private static final int WIDTH = 640;
    private static final int HEIGHT = 240;
    private static final int PAD = 36;

    record Line(long id, String label, long[] x, double[] y) {
    }

    SvgLineChart(String metric, List<Line> lines) {
        double minX = Double.MAX_VALUE, maxX = -Double.MAX_VALUE, minY = Double.MAX_VALUE, maxY = -Double.MAX_VALUE;
        for (Line l : lines) {
            for (int i = 0; i < l.x().length; i++) {
                minX = Math.min(minX, l.x()[i]);
                maxX = Math.max(maxX, l.x()[i]);
                minY = Math.min(minY, l.y()[i]);
                maxY = Math.max(maxY, l.y()[i]);
            }
        }
        if (maxX <= minX) {
            maxX = minX + 1;
        }
        if (maxY <= minY) {
            maxY = minY + 1;
        }
        StringBuilder svg = new StringBuilder();
        svg.append(String.format(Locale.ROOT, "<svg xmlns='http://www.w3.org/2000/svg' class='metric-chart' data-metric='%s' "
                + "viewBox='0 0 %d %d' width='%d' height='%d' style='background:var(--lumo-contrast-5pct)'>", esc(metric), WIDTH, HEIGHT, WIDTH, HEIGHT));
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='14' font-size='12'>%s</text>", PAD, esc(metric)));
        svg.append(String.format(Locale.ROOT, "<text x='2' y='%d' font-size='10'>%s</text><text x='2' y='%d' font-size='10'>%s</text>",
                PAD, fmt(maxY), HEIGHT - PAD, fmt(minY)));
        svg.append(String.format(Locale.ROOT, "<text x='%d' y='%d' font-size='10'>step %s</text><text x='%d' y='%d' font-size='10' "
                + "text-anchor='end'>%s</text>", PAD, HEIGHT - 8, fmt(minX), WIDTH - 4, HEIGHT - 8, fmt(maxX)));
        for (int n = 0; n < lines.size(); n++) {
            Line l = lines.get(n);
            StringBuilder points = new StringBuilder();
            for (int i = 0; i < l.x().length; i++) {
                double px = PAD + (l.x()[i] - minX) / (maxX - minX) * (WIDTH - 2 * PAD);
                double py = HEIGHT - PAD - (l.y()[i] - minY) / (maxY - minY) * (HEIGHT - 2 * PAD);
                points.append(String.format(Locale.ROOT, "%.1f,%.1f ", px, py));
            }
            svg.append(String.format(Locale.ROOT, "<polyline class='run-curve' data-job='%d' fill='none' stroke='%s' stroke-width='1.5' "
                    + "points='%s'><title>%s</title></polyline>", l.id(), COLOURS[n % COLOURS.length], points.toString().trim(), esc(l.label())));
        }
        svg.append("</svg>");
        getElement().setProperty("innerHTML", svg.toString());
    }

    private static String fmt(double v) {
        return Math.abs(v) >= 1000 || v == Math.rint(v) ? String.format(Locale.ROOT, "%.0f", v) : String.format(Locale.ROOT, "%.4g", v);
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("'", "&#39;").replace("\"", "&quot;");
    }
}
