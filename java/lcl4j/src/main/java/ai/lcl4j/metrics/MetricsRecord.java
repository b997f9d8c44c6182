package ai.lcl4j.metrics;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One line of metrics.jsonl.
 *
 * @param kind   "train", "eval" or another kind a writer chose
 * @param step   the optimizer step the values belong to
 * @param time   wall-clock time of writing, seconds since the epoch
 * @param fields the other values: Double (non-finite ones included), String, Boolean, or null
 */
public record MetricsRecord(String kind, long step, double time, Map<String, Object> fields) {
    public MetricsRecord {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields)); // null values allowed, so not Map.copyOf
    }

    /** The numeric value of {@code key}, or NaN when absent or not a number. */
    public double number(String key) {
        return fields.get(key) instanceof Number n ? n.doubleValue() : Double.NaN;
    }

    public boolean has(String key) {
        return fields.get(key) instanceof Number;
    }
}
