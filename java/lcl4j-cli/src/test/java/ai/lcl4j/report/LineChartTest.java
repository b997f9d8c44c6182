package ai.lcl4j.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.Color;
import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;

class LineChartTest {
    static final Color LINE = new Color(0x1F77B4);

    /** Pixels close to the series color in a rectangle given as fractions of the image. */
    static int colored(BufferedImage img, double x0, double y0, double x1, double y1) {
        int n = 0;
        for (int y = (int) (y0 * img.getHeight()); y < (int) (y1 * img.getHeight()); y++) {
            for (int x = (int) (x0 * img.getWidth()); x < (int) (x1 * img.getWidth()); x++) {
                int rgb = img.getRGB(x, y);
                int dr = (rgb >> 16 & 255) - LINE.getRed(), dg = (rgb >> 8 & 255) - LINE.getGreen(),
                        db = (rgb & 255) - LINE.getBlue();
                if (dr * dr + dg * dg + db * db < 900) n++;
            }
        }
        return n;
    }

    static Series hidden(double[] x, double[] y) {
        return new Series("up", x, y, LINE, 3f, false, false);
    }

    @Test
    void aRisingLineRunsFromBottomLeftToTopRight() {
        double[] x = new double[100], y = new double[100];
        for (int i = 0; i < 100; i++) {
            x[i] = i;
            y[i] = i;
        }
        BufferedImage img = new LineChart("rising", "step", "value").add(hidden(x, y)).render(600, 400);
        assertEquals(600, img.getWidth());
        assertTrue(colored(img, 0.1, 0.55, 0.45, 0.9) > 50, "line missing bottom-left");
        assertTrue(colored(img, 0.6, 0.1, 0.98, 0.45) > 50, "line missing top-right");
        assertEquals(0, colored(img, 0.15, 0.12, 0.4, 0.4), "line drawn top-left");
        assertEquals(0, colored(img, 0.65, 0.6, 0.95, 0.85), "line drawn bottom-right");
    }

    @Test
    void longSeriesAreDecimatedToTheSameShape() {
        int n = 50_000;
        double[] x = new double[n], y = new double[n];
        for (int i = 0; i < n; i++) {
            x[i] = i;
            y[i] = i % 2 == 0 ? 0 : 1; // alternating: the envelope fills the band
        }
        BufferedImage img = new LineChart("dense", "step", "v").add(hidden(x, y)).render(600, 400);
        assertTrue(colored(img, 0.3, 0.15, 0.7, 0.85) > 10_000, "the band between 0 and 1 must be filled");
    }

    @Test
    void logScaleDropsNonPositivePointsAndEmptyChartsSayNoData() {
        LineChart log = new LineChart("log", "step", "loss").logY(true)
                .add(hidden(new double[] {1, 2, 3}, new double[] {0, -1, 0}));
        assertFalse(log.hasData());
        LineChart ok = new LineChart("log", "step", "loss").logY(true)
                .add(hidden(new double[] {1, 2, 3}, new double[] {0, 10, 100}));
        assertTrue(ok.hasData());
        assertTrue(colored(ok.render(600, 400), 0, 0, 1, 1) > 50);
        BufferedImage none = log.render(300, 200);
        assertEquals(0, colored(none, 0, 0, 1, 1));
    }

    @Test
    void aSinglePointIsStillVisible() {
        LineChart one = new LineChart("one", "step", "acc").add(hidden(new double[] {500}, new double[] {0.4}));
        assertTrue(colored(one.render(600, 400), 0, 0, 1, 1) > 10);
    }

    @Test
    void theLegendAvoidsTheCurves() {
        double[] x = new double[50], y = new double[50];
        for (int i = 0; i < 50; i++) {
            x[i] = i;
            y[i] = i * i; // hugs the top-right corner, the legend's usual place
        }
        LineChart chart = new LineChart("legend", "step", "v")
                .add(new Series("a rather long legend entry", x, y, LINE, 2f, false, true));
        chart.render(600, 400);
        assertTrue(chart.legendBox().getCenterX() < 300 && chart.legendBox().getCenterY() < 200,
                "legend should move to the empty top-left corner: " + chart.legendBox());

        LineChart falling = new LineChart("legend", "step", "v")
                .add(new Series("falling", x, java.util.Arrays.stream(y).map(v -> -v).toArray(), LINE, 2f, false, true));
        falling.render(600, 400);
        assertTrue(falling.legendBox().getCenterX() > 300 && falling.legendBox().getCenterY() < 200,
                "top right is free here: " + falling.legendBox());
    }
}
