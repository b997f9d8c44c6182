package ai.lcl4j.metrics;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;

/**
 * Where a run's metrics go: {@code metrics.jsonl} ({@link MetricsLog}) and, unless turned off, TensorBoard
 * scalars beside it ({@link TensorBoardWriter} under {@value #TENSORBOARD_DIR}/): every record written to the
 * one is written to the other, numeric fields as {@code <kind>/<key>} scalars at the record's step.
 *
 * <p>A resumed run opens a new event file next to the old ones (TensorBoard reads them all); the steps after
 * the checkpoint that metrics.jsonl drops stay in the older file, and TensorBoard shows the recomputed values
 * after them.
 */
public final class RunMetrics implements Closeable {
    /** The TensorBoard folder inside the run folder: {@code tensorboard --logdir <run>/tensorboard}. */
    public static final String TENSORBOARD_DIR = "tensorboard";

    private final MetricsLog log;
    private final TensorBoardWriter tensorboard;

    private RunMetrics(MetricsLog log, TensorBoardWriter tensorboard) {
        this.log = log;
        this.tensorboard = tensorboard;
    }

    /** Opens {@code runDir/metrics.jsonl} for appending and, with {@code tensorboard}, a new event file. */
    public static RunMetrics open(Path runDir, boolean tensorboard) throws IOException {
        MetricsLog log = MetricsLog.open(runDir);
        try {
            return new RunMetrics(log, tensorboard ? TensorBoardWriter.open(runDir.resolve(TENSORBOARD_DIR)) : null);
        } catch (IOException | RuntimeException e) {
            log.close();
            throw e;
        }
    }

    public void train(long step, Map<String, ?> fields) {
        write(MetricKeys.KIND_TRAIN, step, fields);
    }

    public void eval(long step, Map<String, ?> fields) {
        write(MetricKeys.KIND_EVAL, step, fields);
    }

    /** The record to metrics.jsonl first (the file of record), then to TensorBoard. */
    public void write(String kind, long step, Map<String, ?> fields) {
        log.write(kind, step, fields);
        if (tensorboard != null) tensorboard.write(kind, step, fields);
    }

    public Path file() {
        return log.file();
    }

    /** The event file, or null with TensorBoard off. */
    public Path tensorboardFile() {
        return tensorboard == null ? null : tensorboard.file();
    }

    @Override
    public void close() throws IOException {
        try {
            log.close();
        } finally {
            if (tensorboard != null) tensorboard.close();
        }
    }
}
