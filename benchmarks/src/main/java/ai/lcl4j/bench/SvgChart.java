package ai.lcl4j.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Side-by-side log-log line charts as one SVG file (text, so it diffs and renders on GitHub): for
 * the memory-scaling plot, where a straight line of slope 1 is linear growth and slope 2 quadratic.
 * Axes get a tick at every power of two (x) and ten (y) in range.
 */
final class SvgChart {
    private static final int PANEL_W = 460, PANEL_H = 340, MARGIN_L = 70, MARGIN_B = 50, MARGIN_T = 40, MARGIN_R = 20;
    private static final String[] COLOURS = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

    private final String title;
    private final List<Panel> panels = new ArrayList<>();

    SvgChart(String title) {
        this.title = title;
    }

    Panel panel(String title, String xLabel, String yLabel) {
        Panel p = new Panel(title, xLabel, yLabel);
        panels.add(p);
        return p;
    }

    /** One chart: named lines of (x, y) points, both positive. */
    static final class Panel {
        final String title, xLabel, yLabel;
        final List<String> names = new ArrayList<>();
        final List<double[][]> lines = new ArrayList<>();

        Panel(String title, String xLabel, String yLabel) {
            this.title = title;
            this.xLabel = xLabel;
            this.yLabel = yLabel;
        }

        void line(String name, double[] x, double[] y) {
            names.add(name);
            lines.add(new double[][] {x, y});
        }
    }

    String render() {
        int w = Math.max(1, panels.size()) * PANEL_W, h = PANEL_H + 30;
        StringBuilder sb = new StringBuilder();
        sb.append(String.format(Locale.ROOT, "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
                + "font-family=\"sans-serif\" font-size=\"12\">%n<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>%n", w, h));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"20\" text-anchor=\"middle\" font-size=\"15\" "
                + "font-weight=\"bold\">%s</text>%n", w / 2, esc(title)));
        for (int i = 0; i < panels.size(); i++) renderPanel(sb, panels.get(i), i * PANEL_W, 30);
        return sb.append("</svg>\n").toString();
    }

    private static void renderPanel(StringBuilder sb, Panel p, int ox, int oy) {
        double xMin = Double.MAX_VALUE, xMax = 0, yMin = Double.MAX_VALUE, yMax = 0;
        for (double[][] l : p.lines) {
            for (double v : l[0]) { xMin = Math.min(xMin, v); xMax = Math.max(xMax, v); }
            for (double v : l[1]) { yMin = Math.min(yMin, v); yMax = Math.max(yMax, v); }
        }
        if (xMax <= 0) return;
        double lx0 = Math.log(xMin) / Math.log(2) - 0.2, lx1 = Math.log(xMax) / Math.log(2) + 0.2;
        double ly0 = Math.floor(Math.log10(yMin)), ly1 = Math.ceil(Math.log10(yMax));
        if (ly1 <= ly0) ly1 = ly0 + 1;
        int x0 = ox + MARGIN_L, x1 = ox + PANEL_W - MARGIN_R, y0 = oy + PANEL_H - MARGIN_B, y1 = oy + MARGIN_T;
        final double fx0 = lx0, fx1 = lx1, fy0 = ly0, fy1 = ly1;
        java.util.function.DoubleUnaryOperator px = v -> x0 + (Math.log(v) / Math.log(2) - fx0) / (fx1 - fx0) * (x1 - x0);
        java.util.function.DoubleUnaryOperator py = v -> y0 - (Math.log10(v) - fy0) / (fy1 - fy0) * (y0 - y1);
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" font-size=\"13\">%s</text>%n",
                (x0 + x1) / 2, oy + 22, esc(p.title)));
        for (int e = (int) Math.ceil(lx0); e <= Math.floor(lx1); e++) {
            double x = px.applyAsDouble(Math.pow(2, e));
            sb.append(String.format(Locale.ROOT, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#e4e4e4\"/>"
                    + "<text x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">%s</text>%n", x, y0, x, y1, x, y0 + 16,
                    e >= 10 ? (1 << (e - 10)) + "k" : "" + (1 << e)));
        }
        for (int e = (int) ly0; e <= ly1; e++) {
            double y = py.applyAsDouble(Math.pow(10, e));
            sb.append(String.format(Locale.ROOT, "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#e4e4e4\"/>"
                    + "<text x=\"%d\" y=\"%.1f\" text-anchor=\"end\">%s</text>%n", x0, y, x1, y, x0 - 6, y + 4,
                    java.math.BigDecimal.ONE.scaleByPowerOfTen(e).toPlainString()));
        }
        sb.append(String.format(Locale.ROOT, "<rect x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" fill=\"none\" stroke=\"#555\"/>%n",
                x0, y1, x1 - x0, y0 - y1));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\">%s (log scale)</text>%n",
                (x0 + x1) / 2, y0 + 36, esc(p.xLabel)));
        sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" text-anchor=\"middle\" transform=\"rotate(-90 %d %d)\">"
                + "%s (log scale)</text>%n", ox + 18, (y0 + y1) / 2, ox + 18, (y0 + y1) / 2, esc(p.yLabel)));
        for (int i = 0; i < p.lines.size(); i++) {
            double[][] l = p.lines.get(i);
            String colour = COLOURS[i % COLOURS.length];
            StringBuilder pts = new StringBuilder();
            for (int k = 0; k < l[0].length; k++) {
                double x = px.applyAsDouble(l[0][k]), y = py.applyAsDouble(l[1][k]);
                pts.append(String.format(Locale.ROOT, "%.1f,%.1f ", x, y));
                sb.append(String.format(Locale.ROOT, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%s\"/>%n", x, y, colour));
            }
            sb.append(String.format(Locale.ROOT, "<polyline points=\"%s\" fill=\"none\" stroke=\"%s\" stroke-width=\"2\"/>%n",
                    pts.toString().trim(), colour));
            sb.append(String.format(Locale.ROOT, "<text x=\"%d\" y=\"%d\" fill=\"%s\">%s</text>%n", x0 + 10,
                    y1 + 16 + 16 * i, colour, esc(p.names.get(i))));
        }
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
