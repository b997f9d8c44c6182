package ai.lcl4j.report;

import ai.lcl4j.cli.MetricKeys;
import ai.lcl4j.cli.MetricsFile;
import ai.lcl4j.cli.MetricsRecord;
import java.awt.Color;
import java.util.List;

/** The report's charts, built from metrics: which keys go on which chart, in which color and style. */
final class ReportCharts {
    private ReportCharts() {}

    /** A chart and the file name (in the plots folder) it is saved under. */
    record Named(String fileName, LineChart chart) {}

    static final Color BLUE = new Color(0x1F77B4);
    static final Color ORANGE = new Color(0xFF7F0E);
    static final Color GREEN = new Color(0x2CA02C);
    static final Color RED = new Color(0xD62728);
    static final Color PURPLE = new Color(0x9467BD);

    /** All charts, data or not; the caller leaves out the empty ones. */
    static List<Named> build(MetricsFile metrics, double alpha, boolean logLoss) {
        List<MetricsRecord> train = metrics.train(), eval = metrics.eval();
        String smoothing = String.format(java.util.Locale.ROOT, "faint: raw, bold: EMA %.3f", alpha);

        LineChart loss = new LineChart("Training loss (" + smoothing + ")", "step", "loss").logY(logLoss);
        smoothed(loss, train, MetricKeys.LOSS, "total", BLUE, alpha);
        smoothed(loss, train, MetricKeys.LOSS_CONTRASTIVE, "contrastive", ORANGE, alpha);
        smoothed(loss, train, MetricKeys.LOSS_GENERATION, "generation", GREEN, alpha);

        LineChart lr = new LineChart("Learning rate", "step", "learning rate").includeZero(true);
        lr.add(Series.line("lr", Columns.steps(train, MetricKeys.LR), Columns.values(train, MetricKeys.LR), BLUE));

        LineChart grad = new LineChart("Gradient norm (" + smoothing + ")", "step", "global L2 norm");
        smoothed(grad, train, MetricKeys.GRAD_NORM, "grad norm", RED, alpha);

        LineChart speed = new LineChart("Throughput (" + smoothing + ")", "step", "images / s").includeZero(true);
        smoothed(speed, train, MetricKeys.IMAGES_PER_SEC, "images/s", PURPLE, alpha);

        LineChart zeroShot = new LineChart("Zero-shot classification accuracy", "step", "accuracy (%)")
                .includeZero(true);
        percent(zeroShot, eval, MetricKeys.ZEROSHOT_TOP1, "top-1", BLUE);
        percent(zeroShot, eval, MetricKeys.ZEROSHOT_TOP5, "top-5", ORANGE);

        LineChart retrieval = new LineChart("Retrieval recall@1", "step", "R@1 (%)").includeZero(true);
        percent(retrieval, eval, MetricKeys.RETRIEVAL_I2T_R1, "image to text", GREEN);
        percent(retrieval, eval, MetricKeys.RETRIEVAL_T2I_R1, "text to image", RED);

        // every chart spans step 0 to the run's last step, so they read side by side
        long lastStep = metrics.records().stream().mapToLong(MetricsRecord::step).max().orElse(0);
        for (LineChart c : List.of(loss, lr, grad, speed, zeroShot, retrieval)) c.xSpan(0, lastStep);

        return List.of(new Named("loss.png", loss), new Named("learning_rate.png", lr),
                new Named("grad_norm.png", grad), new Named("throughput.png", speed),
                new Named("zeroshot.png", zeroShot), new Named("retrieval.png", retrieval));
    }

    /** The raw curve faint underneath, its EMA bold on top, in one hue. */
    private static void smoothed(LineChart chart, List<MetricsRecord> records, String key, String name, Color color,
                                 double alpha) {
        double[] x = Columns.steps(records, key), y = Columns.values(records, key);
        if (x.length == 0) return;
        chart.add(Series.faint(name + " (raw)", x, y, color));
        chart.add(Series.line(name, x, Ema.smooth(y, alpha), color));
    }

    private static void percent(LineChart chart, List<MetricsRecord> records, String key, String name, Color color) {
        double[] x = Columns.steps(records, key);
        if (x.length == 0) return;
        chart.add(Series.points(name, x, Columns.scaled(Columns.values(records, key), 100), color));
    }
}
