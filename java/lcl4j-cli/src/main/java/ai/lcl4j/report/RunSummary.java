package ai.lcl4j.report;

import ai.lcl4j.metrics.MetricKeys;
import ai.lcl4j.metrics.MetricsFile;
import ai.lcl4j.metrics.MetricsRecord;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The numbers at the top of a report: how far the run got, how long it took, where the losses ended and the
 * best evaluation scores.
 *
 * @param lastStep       highest step of any train record (0 without train records)
 * @param trainRecords   number of train records
 * @param evalRecords    number of eval records
 * @param wallSeconds    time from the first to the last record (NaN with fewer than two timed records);
 *                       a resumed run's downtime counts too
 * @param finalLosses    per loss key present: its last value and the smoothed value at that point
 * @param finalLr        last learning rate, NaN if never logged
 * @param meanThroughput mean of images_per_sec over train records, NaN if never logged
 * @param bestEval       per eval key present: the best (highest) value and its step
 * @param skippedLines   metrics lines that did not parse
 */
public record RunSummary(long lastStep, int trainRecords, int evalRecords, double wallSeconds,
                         Map<String, Final> finalLosses, double finalLr, double meanThroughput,
                         Map<String, Best> bestEval, int skippedLines) {

    /** The last raw value of a loss and its smoothed value there. */
    public record Final(double raw, double smoothed) {}

    /** The best value of an evaluation metric and the step it was reached at. */
    public record Best(double value, long step) {}

    static final List<String> LOSS_KEYS =
            List.of(MetricKeys.LOSS, MetricKeys.LOSS_CONTRASTIVE, MetricKeys.LOSS_GENERATION);
    static final List<String> EVAL_KEYS = List.of(MetricKeys.ZEROSHOT_TOP1, MetricKeys.ZEROSHOT_TOP5,
            MetricKeys.RETRIEVAL_I2T_R1, MetricKeys.RETRIEVAL_T2I_R1);

    /** @param alpha the smoothing weight the loss plot uses, so the table matches the plot */
    static RunSummary of(MetricsFile metrics, double alpha) {
        List<MetricsRecord> train = metrics.train(), eval = metrics.eval();
        long lastStep = train.stream().mapToLong(MetricsRecord::step).max().orElse(0);

        double first = Double.NaN, last = Double.NaN;
        int timed = 0;
        for (MetricsRecord r : metrics.records()) {
            if (!Double.isFinite(r.time())) continue;
            first = Double.isNaN(first) ? r.time() : Math.min(first, r.time());
            last = Double.isNaN(last) ? r.time() : Math.max(last, r.time());
            timed++;
        }
        double wall = timed >= 2 ? last - first : Double.NaN;

        Map<String, Final> finals = new LinkedHashMap<>();
        for (String key : LOSS_KEYS) {
            double[] y = Columns.values(train, key);
            if (y.length == 0) continue;
            double[] smooth = Ema.smooth(y, alpha);
            finals.put(key, new Final(y[y.length - 1], lastFinite(smooth)));
        }

        double[] lr = Columns.values(train, MetricKeys.LR);
        double[] ips = Columns.values(train, MetricKeys.IMAGES_PER_SEC);
        double mean = Double.NaN;
        if (ips.length > 0) {
            double sum = 0;
            int n = 0;
            for (double v : ips) if (Double.isFinite(v)) {
                sum += v;
                n++;
            }
            if (n > 0) mean = sum / n;
        }

        Map<String, Best> best = new LinkedHashMap<>();
        for (String key : EVAL_KEYS) {
            Best b = null;
            for (MetricsRecord r : eval) {
                double v = r.number(key);
                if (Double.isFinite(v) && (b == null || v > b.value())) b = new Best(v, r.step());
            }
            if (b != null) best.put(key, b);
        }
        return new RunSummary(lastStep, train.size(), eval.size(), wall, finals,
                lr.length == 0 ? Double.NaN : lr[lr.length - 1], mean, best, metrics.skippedLines());
    }

    private static double lastFinite(double[] v) {
        for (int i = v.length - 1; i >= 0; i--) if (Double.isFinite(v[i])) return v[i];
        return Double.NaN;
    }
}
