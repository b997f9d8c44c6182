package ai.lcl4j.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Rectangle;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;

/**
 * A line chart drawn with Java2D: title, axes with tick labels and grid, legend, anti-aliased lines,
 * optional log-scale y axis. Long series are reduced to the min and max of each pixel column before drawing,
 * which looks the same as drawing every point and keeps a million-step run fast.
 */
final class LineChart {
    static {
        // charts are drawn off-screen; a training box usually has no display, and AWT must not look for one
        if (System.getProperty("java.awt.headless") == null) System.setProperty("java.awt.headless", "true");
    }

    private static final Color GRID = new Color(0xE4E4E4);
    private static final Color AXIS = new Color(0x555555);
    private static final Color TEXT = new Color(0x222222);
    private static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 16);
    private static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    private static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);

    private final String title;
    private final String xLabel;
    private final String yLabel;
    private final List<Series> series = new ArrayList<>();
    private boolean logY;
    private boolean includeZero;
    private double spanLo = Double.NaN;
    private double spanHi = Double.NaN;
    private Rectangle legendBox;

    LineChart(String title, String xLabel, String yLabel) {
        this.title = title;
        this.xLabel = xLabel;
        this.yLabel = yLabel;
    }

    LineChart add(Series s) {
        series.add(s);
        return this;
    }

    /** Log-scale y axis; points at or below zero are left out. */
    LineChart logY(boolean on) {
        this.logY = on;
        return this;
    }

    /** Stretch the y axis to 0, for quantities whose size matters (learning rate, throughput, accuracy). */
    LineChart includeZero(boolean on) {
        this.includeZero = on;
        return this;
    }

    /**
     * Widen the x axis to at least [lo, hi], so charts of the same run line up (an eval chart whose first
     * point is at step 500 still starts at step 0 and ends where training ended).
     */
    LineChart xSpan(double lo, double hi) {
        this.spanLo = lo;
        this.spanHi = hi;
        return this;
    }

    /** Where the last {@link #render} put the legend, null if it drew none; lets tests check the placement. */
    Rectangle legendBox() {
        return legendBox;
    }

    String title() {
        return title;
    }

    /** The series added so far, in order (for tests). */
    List<Series> series() {
        return List.copyOf(series);
    }

    /** Whether any series has a point this chart can draw. */
    boolean hasData() {
        for (Series s : series) for (int i = 0; i < s.y().length; i++) if (usable(s.x()[i], s.y()[i])) return true;
        return false;
    }

    void writePng(Path file, int width, int height) throws IOException {
        if (!ImageIO.write(render(width, height), "png", file.toFile()))
            throw new IOException("no PNG writer available for " + file);
    }

    BufferedImage render(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        legendBox = null;
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, width, height);
            draw(g, image, width, height);
        } finally {
            g.dispose();
        }
        return image;
    }

    private void draw(Graphics2D g, BufferedImage image, int width, int height) {
        g.setFont(TITLE_FONT);
        g.setColor(TEXT);
        FontMetrics tm = g.getFontMetrics();
        g.drawString(title, (width - tm.stringWidth(title)) / 2, 12 + tm.getAscent());
        if (!hasData()) {
            g.setFont(LABEL_FONT);
            String none = "no data";
            g.drawString(none, (width - g.getFontMetrics().stringWidth(none)) / 2, height / 2);
            return;
        }

        double[] xr = range(true), yr = range(false);
        if (Double.isFinite(spanLo)) xr[0] = Math.min(xr[0], spanLo);
        if (Double.isFinite(spanHi)) xr[1] = Math.max(xr[1], spanHi);
        AxisTicks xt = AxisTicks.linear(xr[0], xr[1], 8);
        if (includeZero && !logY) {
            yr[0] = Math.min(yr[0], 0);
            yr[1] = Math.max(yr[1], 0);
        }
        AxisTicks yt = logY ? AxisTicks.log(yr[0], yr[1]) : AxisTicks.linear(yr[0], yr[1], 6);
        String[] yLabels = yt.labels(), xLabels = xt.labels();

        g.setFont(TICK_FONT);
        FontMetrics fm = g.getFontMetrics();
        int widest = 0;
        for (String s : yLabels) widest = Math.max(widest, fm.stringWidth(s));
        int left = 12 + 18 + 6 + widest + 6; // margin, rotated y label, gap, tick labels, gap
        int top = 44;
        int bottom = height - 56;
        int right = width - 24;
        Rectangle plot = new Rectangle(left, top, Math.max(10, right - left), Math.max(10, bottom - top));
        Mapper m = new Mapper(plot, xt, yt, logY);

        // grid and tick labels
        g.setStroke(new BasicStroke(1f));
        for (int i = 0; i < yt.values().length; i++) {
            double py = m.py(yt.values()[i]);
            g.setColor(GRID);
            g.draw(new Line2D.Double(plot.x, py, plot.x + plot.width, py));
            g.setColor(TEXT);
            g.drawString(yLabels[i], plot.x - 6 - fm.stringWidth(yLabels[i]), (int) Math.round(py + fm.getAscent() / 2.0 - 1));
        }
        for (int i = 0; i < xt.values().length; i++) {
            double px = m.px(xt.values()[i]);
            g.setColor(GRID);
            g.draw(new Line2D.Double(px, plot.y, px, plot.y + plot.height));
            g.setColor(TEXT);
            g.drawString(xLabels[i], (int) Math.round(px - fm.stringWidth(xLabels[i]) / 2.0),
                    plot.y + plot.height + 6 + fm.getAscent());
        }

        // series, clipped near the plot so a spike cannot paint over the labels (the margin keeps markers on
        // the edge round)
        java.awt.Shape oldClip = g.getClip();
        g.clip(new Rectangle(plot.x - 5, plot.y - 5, plot.width + 10, plot.height + 10));
        for (Series s : series) drawSeries(g, s, m, plot.width);
        g.setClip(oldClip);

        // axes
        g.setColor(AXIS);
        g.setStroke(new BasicStroke(1.2f));
        g.draw(new Line2D.Double(plot.x, plot.y + plot.height, plot.x + plot.width, plot.y + plot.height));
        g.draw(new Line2D.Double(plot.x, plot.y, plot.x, plot.y + plot.height));

        // axis labels
        g.setFont(LABEL_FONT);
        g.setColor(TEXT);
        FontMetrics lm = g.getFontMetrics();
        g.drawString(xLabel, plot.x + (plot.width - lm.stringWidth(xLabel)) / 2, height - 12);
        String yText = yLabel + (logY ? " (log scale)" : "");
        AffineTransform saved = g.getTransform();
        g.rotate(-Math.PI / 2);
        g.drawString(yText, -(plot.y + (plot.height + lm.stringWidth(yText)) / 2), 12 + lm.getAscent());
        g.setTransform(saved);

        drawLegend(g, image, plot);
    }

    private void drawSeries(Graphics2D g, Series s, Mapper m, int plotWidth) {
        g.setColor(s.color());
        g.setStroke(stroke(s, s.width()));
        double[][] pts = s.x().length > 4 * plotWidth ? decimate(s, m, plotWidth) : new double[][] {s.x(), s.y()};
        double[] x = pts[0], y = pts[1];
        Path2D.Double path = new Path2D.Double();
        boolean penDown = false;
        for (int i = 0; i < x.length; i++) {
            if (!usable(x[i], y[i])) {
                penDown = false;
                continue;
            }
            double px = m.px(x[i]), py = m.py(y[i]);
            if (penDown) path.lineTo(px, py);
            else path.moveTo(px, py);
            boolean isolated = !penDown && (i + 1 >= x.length || !usable(x[i + 1], y[i + 1]));
            if (s.markers() || isolated) {
                double r = Math.max(2.5, s.width() + 1);
                g.fill(new Ellipse2D.Double(px - r, py - r, 2 * r, 2 * r));
            }
            penDown = true;
        }
        g.draw(path);
    }

    /** Solid, or dashed for a reference level. */
    private static BasicStroke stroke(Series s, float width) {
        if (!s.dashed()) return new BasicStroke(width, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
        return new BasicStroke(width, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {6f, 4f}, 0f);
    }

    /** Per pixel column, the lowest and highest point in index order: the drawn envelope of all points. */
    private double[][] decimate(Series s, Mapper m, int plotWidth) {
        double[] xs = new double[2 * plotWidth + 2], ys = new double[2 * plotWidth + 2];
        int n = 0;
        int i = 0;
        double[] x = s.x(), y = s.y();
        while (i < x.length) {
            int column = (int) Math.floor(m.px(x[i]));
            int lo = -1, hi = -1;
            for (; i < x.length && (int) Math.floor(m.px(x[i])) == column; i++) {
                if (!usable(x[i], y[i])) continue;
                if (lo < 0 || y[i] < y[lo]) lo = i;
                if (hi < 0 || y[i] > y[hi]) hi = i;
            }
            if (lo < 0) continue;
            if (n + 2 > xs.length) {
                xs = java.util.Arrays.copyOf(xs, xs.length * 2);
                ys = java.util.Arrays.copyOf(ys, ys.length * 2);
            }
            int first = Math.min(lo, hi), second = Math.max(lo, hi);
            xs[n] = x[first];
            ys[n++] = y[first];
            if (second != first) {
                xs[n] = x[second];
                ys[n++] = y[second];
            }
        }
        return new double[][] {java.util.Arrays.copyOf(xs, n), java.util.Arrays.copyOf(ys, n)};
    }

    /** The legend goes in the plot corner where the drawn curves cover the fewest pixels. */
    private void drawLegend(Graphics2D g, BufferedImage image, Rectangle plot) {
        List<Series> shown = series.stream().filter(Series::inLegend).filter(Series::hasFiniteValue).toList();
        if (shown.isEmpty()) return;
        g.setFont(TICK_FONT);
        FontMetrics fm = g.getFontMetrics();
        int row = fm.getHeight() + 2, swatch = 22;
        int textWidth = 0;
        for (Series s : shown) textWidth = Math.max(textWidth, fm.stringWidth(s.name()));
        int boxW = 10 + swatch + 6 + textWidth + 10, boxH = 8 + row * shown.size();
        int[][] corners = {
            {plot.x + plot.width - boxW - 8, plot.y + 8},                 // top right, the usual place
            {plot.x + 8, plot.y + 8},                                     // top left
            {plot.x + plot.width - boxW - 8, plot.y + plot.height - boxH - 8},
            {plot.x + 8, plot.y + plot.height - boxH - 8},
        };
        int bx = corners[0][0], by = corners[0][1];
        long fewest = Long.MAX_VALUE;
        for (int[] c : corners) {
            long covered = inkIn(image, c[0], c[1], boxW, boxH);
            if (covered < fewest) {
                fewest = covered;
                bx = c[0];
                by = c[1];
            }
        }
        legendBox = new Rectangle(bx, by, boxW, boxH);
        g.setColor(new Color(255, 255, 255, 220));
        g.fillRoundRect(bx, by, boxW, boxH, 6, 6);
        g.setColor(GRID.darker());
        g.setStroke(new BasicStroke(1f));
        g.drawRoundRect(bx, by, boxW, boxH, 6, 6);
        for (int i = 0; i < shown.size(); i++) {
            Series s = shown.get(i);
            int cy = by + 4 + row * i + row / 2;
            g.setColor(s.color());
            g.setStroke(stroke(s, Math.max(2f, s.width())));
            g.draw(new Line2D.Double(bx + 10, cy, bx + 10 + swatch, cy));
            if (s.markers()) g.fill(new Ellipse2D.Double(bx + 10 + swatch / 2.0 - 3, cy - 3, 6, 6));
            g.setColor(TEXT);
            g.drawString(s.name(), bx + 10 + swatch + 6, cy + fm.getAscent() / 2 - 1);
        }
    }

    /** Pixels in the box that are neither background nor grid: what a legend there would hide. */
    private static long inkIn(BufferedImage image, int x0, int y0, int w, int h) {
        long n = 0;
        int white = Color.WHITE.getRGB() & 0xFFFFFF, grid = GRID.getRGB() & 0xFFFFFF;
        for (int y = Math.max(0, y0); y < Math.min(image.getHeight(), y0 + h); y++) {
            for (int x = Math.max(0, x0); x < Math.min(image.getWidth(), x0 + w); x++) {
                int rgb = image.getRGB(x, y) & 0xFFFFFF;
                if (rgb != white && rgb != grid) n++;
            }
        }
        return n;
    }

    private boolean usable(double x, double y) {
        return Double.isFinite(x) && Double.isFinite(y) && (!logY || y > 0);
    }

    /** [min, max] of the usable x or y values of all series. */
    private double[] range(boolean ofX) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (Series s : series) {
            for (int i = 0; i < s.x().length; i++) {
                if (!usable(s.x()[i], s.y()[i])) continue;
                double v = ofX ? s.x()[i] : s.y()[i];
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
        }
        return new double[] {lo, hi};
    }

    /** Data to pixel coordinates. */
    private record Mapper(Rectangle plot, AxisTicks xt, AxisTicks yt, boolean logY) {
        double px(double x) {
            return plot.x + (x - xt.lo()) / (xt.hi() - xt.lo()) * plot.width;
        }

        double py(double y) {
            double f = logY ? (Math.log10(y) - Math.log10(yt.lo())) / (Math.log10(yt.hi()) - Math.log10(yt.lo()))
                    : (y - yt.lo()) / (yt.hi() - yt.lo());
            return plot.y + plot.height - f * plot.height;
        }
    }
}
