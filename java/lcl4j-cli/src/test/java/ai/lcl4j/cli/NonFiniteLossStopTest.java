package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.metrics.MetricKeys;
import ai.lcl4j.metrics.MetricsLog;
import ai.lcl4j.metrics.MetricsRecord;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelConfigs;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.optim.Checkpoint;
import ai.lcl4j.optim.CheckpointStore;
import ai.lcl4j.train.TinyCorpus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run whose updates diverge stops at the step that diverged, names it and the source records, and never
 * writes a checkpoint of weights that cannot continue: with {@code --lr 1e6} (issue 13) the first update
 * throws the weights to ~5e5 while its own loss was finite; a checkpoint of them would fail at once when
 * resumed. Before a checkpoint is written the weights must be finite and give a finite loss on the step's
 * batch, and the stop message says what the last checkpoint is, without calling it "intact".
 */
class NonFiniteLossStopTest {

    private static CliRun train(Path run, Object... more) {
        List<Object> args = new java.util.ArrayList<>(List.of("train", "--data", "mmc4:" + TinyCorpus.root().resolve("train"),
                "--out", run, "--batch-size", 4, "--warmup", 0, "--checkpoint-every", 1));
        args.addAll(List.of(more));
        return CliRun.of(args.toArray());
    }

    private static void assertOneLine(CliRun r) {
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "one line expected:\n" + err);
        assertFalse(err.contains("\tat "), err);
    }

    @Test
    void aDivergedFirstUpdateWritesNoCheckpoint(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        CliRun r = train(run, "--steps", 5, "--lr", "1e6");
        assertEquals(Cli.EXIT_FAILURE, r.code(), r.both());
        assertOneLine(r);

        List<MetricsRecord> logged = MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).train();
        assertEquals(1, logged.size(), "step 1 (on the initial weights) is logged, then the run stops: " + logged);
        assertTrue(Double.isFinite(logged.get(0).number(MetricKeys.LOSS)), logged.toString());
        String err = r.err();
        assertTrue(err.contains("non-finite loss at step 1 (the weights after the update give loss")
                && err.contains("their checkpoint is not written"), err);
        assertTrue(err.contains("batch records: [") && err.contains("docs_shard_"), err);
        assertTrue(err.contains("no checkpoint of this run was written") && !err.contains("intact"), err);
        CheckpointStore store = new CheckpointStore(run.resolve("checkpoints"), 10);
        assertTrue(store.choose().checkpoint().isEmpty() && store.choose().passedOver().isEmpty(),
                "no checkpoint folder at all: " + (Files.isDirectory(store.root()) ? Files.list(store.root()).toList() : "none"));
    }

    @Test
    void divergenceAfterAGoodCheckpointNamesThatCheckpoint(@TempDir Path tmp) throws Exception {
        Path run = tmp.resolve("run");
        CliRun good = train(run, "--steps", 2, "--lr", "1e-3");
        assertEquals(Cli.EXIT_OK, good.code(), good.both());

        // a deliberate change for the rest of the run: accepted (and recorded), and it diverges at step 3
        CliRun r = train(run, "--steps", 4, "--lr", "1e6", "--resume", "--allow-config-change", "lr,steps");
        assertEquals(Cli.EXIT_FAILURE, r.code(), r.both());
        assertOneLine(r);
        Path last = run.resolve("checkpoints/step-000002");
        assertTrue(r.err().contains("non-finite loss at step 3 (") && r.err().contains("the last checkpoint is " + last)
                && r.err().contains("replays the same batches"), r.err());

        CheckpointStore store = new CheckpointStore(run.resolve("checkpoints"), 10);
        Checkpoint kept = store.latest().orElseThrow();
        assertEquals(2, kept.step(), "the diverged step 3 left no checkpoint");
        Map<String, Tensor> sd = kept.readModel();   // refuses NaN and infinity, naming the tensor
        try (LclModel m = new LclModel(ModelConfigs.get("lcl-tiny"), ModelOptions.defaults())) {
            m.loadStateDict(sd);
        }
        List<MetricsRecord> logged = MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).train();
        assertEquals(List.of(1L, 2L, 3L), logged.stream().map(MetricsRecord::step).toList());
    }
}
