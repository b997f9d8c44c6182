package ai.lcl4j.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.io.Safetensors;
import ai.lcl4j.metrics.MetricKeys;
import ai.lcl4j.metrics.MetricsLog;
import ai.lcl4j.metrics.MetricsRecord;
import ai.lcl4j.optim.Checkpoint;
import ai.lcl4j.optim.CheckpointStore;
import ai.lcl4j.kernels.Numerics;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Trainer's promise: a run stopped after a checkpoint and resumed by a new
 * Trainer computes, step for step, the same losses and ends with the same
 * weights as the run that was never stopped. The corpus is 10 documents, so
 * the 24 documents of 6 batches wrap over epochs (shuffle state restore), and
 * two prefetch workers race (order restore).
 */
@Numerics
class ResumeExactnessTest {
    private static final long STEPS = 6;
    /** Checkpoint steps: 3 and 6. */
    private static final int CHECKPOINT_EVERY = 3;
    /** The "kill" comes at the evaluation after step 4: one step past the checkpoint, already in metrics.jsonl. */
    private static final int EVAL_EVERY = 4;

    /** Stands for a killed process: fails the first time the trainer evaluates (after step 4). */
    private static final class CrashOnFirstEval implements Trainer.Evaluation {
        final AtomicInteger calls = new AtomicInteger();

        @Override
        public Map<String, Double> run(ai.lcl4j.model.LclModel model, ai.lcl4j.data.text.Tokenizer tokenizer) {
            calls.incrementAndGet();
            throw new IllegalStateException("simulated kill after step " + EVAL_EVERY);
        }
    }

    @Test
    void resumedRunMatchesTheStraightRunBitForBit(@TempDir Path tmp) throws Exception {
        Path data = TinyCorpus.wrappingRoot().resolve("train");
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

        // the straight run: evaluates (a no-op) at the same steps as the interrupted one so both configs are equal
        TrainConfig straightCfg = TinyCorpus.config(data, tmp.resolve("straight"), STEPS, CHECKPOINT_EVERY, EVAL_EVERY, 2, Objective.LCL);
        new Trainer(straightCfg, (m, t) -> Map.of(), false, quiet).run();

        TrainConfig cfg = TinyCorpus.config(data, tmp.resolve("resumed"), STEPS, CHECKPOINT_EVERY, EVAL_EVERY, 2, Objective.LCL);
        CrashOnFirstEval crash = new CrashOnFirstEval();
        IllegalStateException killed = assertThrows(IllegalStateException.class,
                () -> new Trainer(cfg, crash, false, quiet).run());
        assertTrue(killed.getMessage().contains("simulated kill"), killed.getMessage());
        assertEquals(CHECKPOINT_EVERY, new CheckpointStore(cfg.out().resolve("checkpoints"), 10).latest().orElseThrow().step(),
                "the interrupted run must have left its step-3 checkpoint");
        assertEquals(EVAL_EVERY, trainRecords(cfg.out()).size(), "the interrupted run logged steps 1-4");

        ByteArrayOutputStream log = new ByteArrayOutputStream();
        new Trainer(cfg, (m, t) -> Map.of(), true, new PrintStream(log, true, StandardCharsets.UTF_8)).run();
        assertTrue(log.toString(StandardCharsets.UTF_8).contains("at step " + CHECKPOINT_EVERY), log.toString(StandardCharsets.UTF_8));

        List<MetricsRecord> straight = trainRecords(straightCfg.out());
        List<MetricsRecord> resumed = trainRecords(cfg.out());
        assertEquals(STEPS, straight.size(), "one train record per step: " + straight);
        assertEquals(STEPS, resumed.size(), "one train record per step (none repeated by the resume): " + resumed);
        for (int i = 0; i < STEPS; i++) {
            assertEquals(i + 1, straight.get(i).step());
            assertEquals(i + 1, resumed.get(i).step());
            for (String key : List.of(MetricKeys.LOSS, MetricKeys.LOSS_CONTRASTIVE, MetricKeys.LOSS_GENERATION,
                    MetricKeys.LR, MetricKeys.GRAD_NORM)) {
                double a = number(straight.get(i), key), b = number(resumed.get(i), key);
                assertTrue(Double.isFinite(a), key + " at step " + (i + 1) + " = " + a);
                // bitwise: a resume that is merely close would hide a data-order or optimiser-state bug
                assertEquals(Double.doubleToRawLongBits(a), Double.doubleToRawLongBits(b),
                        key + " at step " + (i + 1) + ": straight " + a + " vs resumed " + b);
            }
        }
        // losses that did not move would make the comparison above vacuous
        assertTrue(number(straight.get(0), MetricKeys.LOSS) != number(straight.get(5), MetricKeys.LOSS));

        // the data stream stands at the same place, and the skip counts span both processes
        Checkpoint endA = CheckpointStore.load(straightCfg.out().resolve("checkpoints/step-000006"));
        Checkpoint endB = CheckpointStore.load(cfg.out().resolve("checkpoints/step-000006"));
        assertEquals(endA.state().get("data_position"), endB.state().get("data_position"));
        assertEquals(endA.state().get("skips"), endB.state().get("skips"));

        assertSameTensors(Path.of("checkpoints", "step-000006", "model.safetensors"), straightCfg.out(), cfg.out());
        assertSameTensors(Path.of("checkpoints", "step-000006", "optimizer.safetensors"), straightCfg.out(), cfg.out());
    }

    private static void assertSameTensors(Path rel, Path runA, Path runB) throws Exception {
        Map<String, Tensor> a = Safetensors.read(runA.resolve(rel)), b = Safetensors.read(runB.resolve(rel));
        assertEquals(a.keySet(), b.keySet(), rel.toString());
        List<String> differ = new ArrayList<>();
        for (String k : a.keySet()) if (!torch.equal(a.get(k), b.get(k))) differ.add(k);
        assertTrue(differ.isEmpty(), rel + ": tensors differ after resume: " + differ);
    }

    static List<MetricsRecord> trainRecords(Path run) throws Exception {
        return MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).records().stream()
                .filter(r -> r.kind().equals(MetricKeys.KIND_TRAIN)).toList();
    }

    static double number(MetricsRecord r, String key) {
        Object v = r.fields().get(key);
        assertTrue(v instanceof Double, key + " missing or not a number in " + r);
        return (Double) v;
    }
}
