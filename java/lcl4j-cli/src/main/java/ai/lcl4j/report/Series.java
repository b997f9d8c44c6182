package ai.lcl4j.report;

import java.awt.Color;

/**
 * One line on a chart.
 *
 * @param name     legend text
 * @param x        x values (steps), ascending
 * @param y        y values; non-finite ones leave a gap in the line
 * @param color    line color
 * @param width    stroke width in pixels
 * @param markers  draw a dot at every point (sparse series such as evaluations)
 * @param inLegend whether the legend lists it (raw curves under their smoothed twin do not)
 * @param dashed   drawn dashed (a reference level such as the accuracy of guessing)
 */
record Series(String name, double[] x, double[] y, Color color, float width, boolean markers, boolean inLegend,
              boolean dashed) {
    Series {
        if (x.length != y.length)
            throw new IllegalArgumentException("series " + name + ": " + x.length + " x values but " + y.length + " y");
    }

    /** A solid series. */
    Series(String name, double[] x, double[] y, Color color, float width, boolean markers, boolean inLegend) {
        this(name, x, y, color, width, markers, inLegend, false);
    }

    /** A thin dashed level {@code y} from {@code x0} to {@code x1}: chance on an accuracy chart. */
    static Series level(String name, double x0, double x1, double y, Color color) {
        return new Series(name, new double[] {x0, x1}, new double[] {y, y}, color, 1.5f, false, true, true);
    }

    /** A bold legend line. */
    static Series line(String name, double[] x, double[] y, Color color) {
        return new Series(name, x, y, color, 2f, false, true);
    }

    /** The faint raw curve drawn under a smoothed one. */
    static Series faint(String name, double[] x, double[] y, Color color) {
        return new Series(name, x, y, new Color(color.getRed(), color.getGreen(), color.getBlue(), 70), 1f, false,
                false);
    }

    /** Sparse points joined by a line, each with a dot. */
    static Series points(String name, double[] x, double[] y, Color color) {
        return new Series(name, x, y, color, 2f, true, true);
    }

    boolean hasFiniteValue() {
        for (double v : y) if (Double.isFinite(v)) return true;
        return false;
    }
}
