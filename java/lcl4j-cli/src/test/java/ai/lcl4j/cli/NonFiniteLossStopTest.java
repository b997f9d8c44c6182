package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelConfigs;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.train.Checkpoint;
import ai.lcl4j.train.CheckpointStore;
import ai.lcl4j.train.TinyCorpus;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose loss diverges must stop at the first non-finite loss, say which
 * step and which source records, and leave the checkpoint before it loadable.
 * An lr of 1e30 makes the first update throw the weights to ~1e30, so the next
 * forward overflows.
 */
class NonFiniteLossStopTest {

    @Test
    void divergingRunStopsAndKeepsTheLastCheckpoint(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        CliRun r = CliRun.of("train", "--data", "mmc4:" + TinyCorpus.root().resolve("train"), "--out", run,
                "--steps", 5, "--batch-size", 4, "--lr", "1e30", "--warmup", 0, "--checkpoint-every", 1);
        assertEquals(Cli.EXIT_FAILURE, r.code(), r.both());

        List<MetricsRecord> logged = MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).train();
        assertFalse(logged.isEmpty(), "the first step, on the initial weights, is finite");
        for (MetricsRecord rec : logged) assertTrue(Double.isFinite(rec.number(MetricKeys.LOSS)), rec.toString());
        long failed = logged.get(logged.size() - 1).step() + 1;
        assertTrue(failed <= 5, "the run should have diverged before its end: " + logged);

        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line expected:\n" + err);
        assertFalse(err.contains("\tat "), err);
        assertTrue(err.contains("non-finite loss at step " + failed), err);
        // the batch records name the shard file and the record of each row
        assertTrue(err.contains("batch records: [") && err.contains("docs_shard_"), err);

        CheckpointStore store = new CheckpointStore(run.resolve("checkpoints"), 10);
        Checkpoint last = store.latest().orElseThrow();
        assertEquals(failed - 1, last.step(), "the checkpoint of the last good step");
        Map<String, Tensor> sd = last.readModel();
        try (LclModel m = new LclModel(ModelConfigs.get("lcl-tiny"), ModelOptions.defaults())) {
            m.loadStateDict(sd); // throws if a name or shape does not fit
            for (Map.Entry<String, Tensor> e : m.namedParameters().entrySet())
                assertTrue(e.getValue().isfinite().all().item_bool(), e.getKey() + " is not finite in the checkpoint");
        }
        assertFalse(last.readOptimizer().isEmpty());
    }
}
