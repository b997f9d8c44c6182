package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.metrics.MetricKeys;
import ai.lcl4j.metrics.MetricsLog;
import ai.lcl4j.metrics.MetricsRecord;
import ai.lcl4j.train.TinyCorpus;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The two ablations of LCL-SPEC 1 through the CLI: each trains with one loss
 * only, so the other part is zero and the total is the active part alone.
 */
class ObjectiveAblationTest {

    private static List<MetricsRecord> train(Path run, String objective) throws Exception {
        CliRun r = CliRun.of("train", "--data", "mmc4:" + TinyCorpus.root().resolve("train"), "--out", run,
                "--steps", 2, "--batch-size", 4, "--warmup", 1, "--objective", objective);
        assertEquals(0, r.code(), r.both());
        List<MetricsRecord> recs = MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).train();
        assertEquals(List.of(1L, 2L), recs.stream().map(MetricsRecord::step).toList());
        return recs;
    }

    @Test
    void contrastiveOnly(@TempDir Path tmp) throws Exception {
        for (MetricsRecord r : train(tmp.resolve("con"), "contrastive")) {
            double con = r.number(MetricKeys.LOSS_CONTRASTIVE);
            assertTrue(Double.isFinite(con) && con > 0, r.toString());
            assertEquals(0.0, r.number(MetricKeys.LOSS_GENERATION), r.toString());
            assertEquals(con, r.number(MetricKeys.LOSS), 1e-6 * con, r.toString());
        }
    }

    @Test
    void generationOnly(@TempDir Path tmp) throws Exception {
        for (MetricsRecord r : train(tmp.resolve("gen"), "generation")) {
            double gen = r.number(MetricKeys.LOSS_GENERATION);
            assertTrue(Double.isFinite(gen) && gen > 0, r.toString());
            assertEquals(0.0, r.number(MetricKeys.LOSS_CONTRASTIVE), r.toString());
            assertEquals(gen, r.number(MetricKeys.LOSS), 1e-6 * gen, r.toString());
        }
    }
}
