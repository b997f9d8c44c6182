/**
 * What a run records as it goes, below both the trainer that writes it and the report that reads it:
 * the metrics file ({@link ai.lcl4j.metrics.MetricsLog} writes and reads metrics.jsonl,
 * {@link ai.lcl4j.metrics.MetricsFile} and {@link ai.lcl4j.metrics.MetricsRecord} are what it reads back),
 * the spelling of its keys ({@link ai.lcl4j.metrics.MetricKeys}), the progress bar
 * ({@link ai.lcl4j.metrics.ProgressBar}) and compact durations ({@link ai.lcl4j.metrics.Durations}).
 */
package ai.lcl4j.metrics;
