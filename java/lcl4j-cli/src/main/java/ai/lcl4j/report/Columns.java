package ai.lcl4j.report;

import ai.lcl4j.metrics.MetricsRecord;
import java.util.List;

/** One metric as aligned step and value arrays, from the records that carry it. */
final class Columns {
    private Columns() {}

    /** Steps of the records that have a numeric {@code key} (NaN counts: a diverged step stays visible). */
    static double[] steps(List<MetricsRecord> records, String key) {
        return records.stream().filter(r -> r.has(key)).mapToDouble(MetricsRecord::step).toArray();
    }

    static double[] values(List<MetricsRecord> records, String key) {
        return records.stream().filter(r -> r.has(key)).mapToDouble(r -> r.number(key)).toArray();
    }

    static double[] scaled(double[] v, double factor) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] * factor;
        return out;
    }
}
