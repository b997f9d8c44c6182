package ai.lcl4j.report;

import ai.lcl4j.metrics.MetricKeys;
import ai.lcl4j.metrics.MetricsFile;
import ai.lcl4j.metrics.MetricsRecord;
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

        // every chart spans step 0 to the run's last step, so they read side by side
        long lastStep = metrics.records().stream().mapToLong(MetricsRecord::step).max().orElse(0);

        LineChart zeroShot = new LineChart("Zero-shot classification accuracy (top-1; dashed: chance)", "step", "accuracy (%)")
                .includeZero(true);
        List<String> zsTasks = EvalTasks.withSuffix(eval, EvalTasks.ZEROSHOT_TOP1);
        if (zsTasks.isEmpty() || zsTasks.equals(List.of(""))) {
            // one unnamed task: its top-1 and top-5, as earlier runs recorded them
            percent(zeroShot, eval, MetricKeys.ZEROSHOT_TOP1, "top-1", BLUE);
            percent(zeroShot, eval, MetricKeys.ZEROSHOT_TOP5, "top-5", ORANGE);
            chance(zeroShot, eval, "zeroshot_chance", "chance", BLUE, lastStep);
        } else {
            tasks(zeroShot, eval, zsTasks, EvalTasks.ZEROSHOT_TOP1, "zeroshot_chance", lastStep);
        }

        LineChart probe = new LineChart("Linear probe accuracy (top-1 on frozen image features; dashed: chance)",
                "step", "accuracy (%)").includeZero(true);
        tasks(probe, eval, EvalTasks.withSuffix(eval, EvalTasks.PROBE_TOP1), EvalTasks.PROBE_TOP1, "linear_probe_chance", lastStep);

        LineChart retrieval = new LineChart("Retrieval recall@1 (dashed: chance, 1 / images)", "step", "R@1 (%)")
                .includeZero(true);
        List<String> rtTasks = EvalTasks.withSuffix(eval, EvalTasks.I2T_R1, true);
        if (rtTasks.isEmpty()) {
            percent(retrieval, eval, MetricKeys.RETRIEVAL_I2T_R1, "image to text", GREEN);
            percent(retrieval, eval, MetricKeys.RETRIEVAL_T2I_R1, "text to image", RED);
        } else {
            int i = 0;
            for (String task : rtTasks) {
                Color c = PALETTE[i++ % PALETTE.length];
                String name = task.isEmpty() ? "" : EvalTasks.name(task) + " ";
                percent(retrieval, eval, task + EvalTasks.I2T_R1, name + "image to text", c);
                double[] x = Columns.steps(eval, task + EvalTasks.T2I_R1);
                if (x.length > 0) retrieval.add(new Series(name + "text to image", x,
                        Columns.scaled(Columns.values(eval, task + EvalTasks.T2I_R1), 100), c.darker(), 1.5f, true, true));
                double images = last(eval, task + "retrieval_images");
                if (images > 0) retrieval.add(Series.level(name + "chance " + pct(1 / images), 0, lastStep, 100 / images, c));
            }
        }

        for (LineChart c : List.of(loss, lr, grad, speed, zeroShot, probe, retrieval)) c.xSpan(0, lastStep);

        return List.of(new Named("loss.png", loss), new Named("learning_rate.png", lr),
                new Named("grad_norm.png", grad), new Named("throughput.png", speed),
                new Named("zeroshot.png", zeroShot), new Named("linear_probe.png", probe),
                new Named("retrieval.png", retrieval));
    }

    /** Colours of the tasks on one chart, in order. */
    static final Color[] PALETTE = {BLUE, ORANGE, GREEN, RED, PURPLE, new Color(0x8C564B), new Color(0xE377C2),
            new Color(0x7F7F7F)};

    /** One accuracy series per task ({@code <task>suffix}) and its chance level ({@code <task>chanceKey}), dashed. */
    private static void tasks(LineChart chart, List<MetricsRecord> eval, List<String> tasks, String suffix, String chanceKey,
                              long lastStep) {
        int i = 0;
        for (String task : tasks) {
            Color c = PALETTE[i++ % PALETTE.length];
            String name = task.isEmpty() ? "top-1" : EvalTasks.name(task);
            percent(chart, eval, task + suffix, name, c);
            chance(chart, eval, task + chanceKey, name + " chance", c, lastStep);
        }
    }

    private static void chance(LineChart chart, List<MetricsRecord> eval, String key, String name, Color c, long lastStep) {
        double v = last(eval, key);
        if (v > 0) chart.add(Series.level(name + " " + pct(v), 0, lastStep, 100 * v, c));
    }

    /** The last recorded value of {@code key}, NaN when never recorded. */
    private static double last(List<MetricsRecord> records, String key) {
        double[] v = Columns.values(records, key);
        return v.length == 0 ? Double.NaN : v[v.length - 1];
    }

    private static String pct(double fraction) {
        return String.format(java.util.Locale.ROOT, "%.1f%%", 100 * fraction);
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
