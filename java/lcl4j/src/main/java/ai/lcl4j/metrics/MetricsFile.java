package ai.lcl4j.metrics;

import java.util.List;

/**
 * The records read back from a metrics.jsonl, in file order.
 *
 * @param skippedLines lines that were not a complete record: a last line cut by a kill, or a line left broken
 *                     in the middle by a kill before the run was resumed and appended to
 */
public record MetricsFile(List<MetricsRecord> records, int skippedLines) {
    public MetricsFile {
        records = List.copyOf(records);
    }

    public List<MetricsRecord> ofKind(String kind) {
        return records.stream().filter(r -> r.kind().equals(kind)).toList();
    }

    public List<MetricsRecord> train() {
        return ofKind(MetricKeys.KIND_TRAIN);
    }

    public List<MetricsRecord> eval() {
        return ofKind(MetricKeys.KIND_EVAL);
    }
}
