package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import ai.lcl4j.data.source.SourceSpec;
import ai.lcl4j.io.Safetensors;
import ai.lcl4j.metrics.MetricKeys;
import ai.lcl4j.metrics.MetricsLog;
import ai.lcl4j.metrics.MetricsRecord;
import ai.lcl4j.model.Precision;
import ai.lcl4j.ops.DeviceCheck;
import ai.lcl4j.ops.Tensors;
import ai.lcl4j.train.TinyCorpus;
import ai.lcl4j.train.TrainConfig;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --device} and {@code --precision} of {@code train}. */
class PrecisionDeviceTest {
    @TempDir
    Path tmp;

    private String data() {
        return "mmc4:" + TinyCorpus.root().resolve("train");
    }

    /** With the CPU libtorch (this build's default) --device cuda fails in one line, naming the fix. */
    @Test
    void cudaWithoutAGpuFailsInOneLine() {
        assumeFalse(torch.cuda_is_available(), "a CUDA device is visible here: nothing to refuse");
        CliRun r = CliRun.of("train", "--data", data(), "--out", tmp.resolve("run"), "--steps", 1, "--device", "cuda");
        assertNotEquals(0, r.code(), r.both());
        String err = r.err().strip();
        assertTrue(err.startsWith("error: --device cuda: "), r.both());
        assertFalse(err.contains("\n"), "one line expected:\n" + err);
        assertFalse(err.contains("\tat ") || err.contains("Exception"), "no stack trace or class names:\n" + err);
        if (!DeviceCheck.gpuLibtorchOnClassPath()) {
            assertTrue(err.contains("CPU build of libtorch") && err.contains("-Dpytorch.extension=-gpu"), err);
        }
        assertFalse(Files.exists(tmp.resolve("run")), "a refused run must not leave a run folder");
    }

    @Test
    void unknownPrecisionIsAUsageError() {
        CliRun r = CliRun.of("train", "--data", data(), "--out", tmp.resolve("run"), "--precision", "fp8");
        assertNotEquals(0, r.code(), r.both());
        assertTrue(r.err().contains("--precision") && r.err().contains("fp8"), r.both());
    }

    @Test
    void autoIsBf16OnCudaAndFp32OnCpu() throws Exception {
        Flags f = new Flags("lcl4j train", "test");
        TrainFlags.declare(f);
        List<SourceSpec> src = List.of(SourceSpec.of("mmc4", tmp));
        assertEquals(Precision.FP32, TrainFlags.config(f.parse(new String[0]), src).compute().precision());
        assertEquals(Precision.BF16, TrainFlags.config(f.parse(new String[] {"--device", "cuda"}), src).compute().precision());
        assertEquals(Precision.BF16, TrainFlags.config(f.parse(new String[] {"--precision", "bf16"}), src).compute().precision());
        assertEquals(Precision.FP32, TrainFlags.config(f.parse(new String[] {"--device", "cuda", "--precision", "FP32"}), src)
                .compute().precision());
        // a config built from the defaults: auto, resolved for the device
        TrainConfig d = TinyCorpus.config(TinyCorpus.root().resolve("train"), tmp, 1, 0, 0, 1, ai.lcl4j.train.Objective.LCL);
        assertEquals(Precision.FP32, d.compute().precision());
        assertEquals(Precision.BF16, d.compute().on("cuda", null).precision());
    }

    /** Two bf16 steps through the CLI on the CPU: finite losses, precision in config.json, float32 checkpoints. */
    @Test
    void bf16TrainingRunRecordsItsPrecisionAndSavesFloat32(@TempDir Path run) throws Exception {
        CliRun r = CliRun.of("train", "--data", data(), "--out", run, "--steps", 2, "--batch-size", 2, "--warmup", 1,
                "--precision", "bf16", "--activation-checkpointing");
        assertEquals(0, r.code(), r.both());
        JsonNode cfg = new ObjectMapper().readTree(run.resolve("config.json").toFile());
        assertEquals("BF16", cfg.path("precision").asText(), cfg.toString());
        for (MetricsRecord m : MetricsLog.read(run.resolve(MetricsLog.FILE_NAME)).train()) {
            double loss = m.number(MetricKeys.LOSS);
            assertTrue(Double.isFinite(loss) && loss > 0, m.toString());
        }
        for (String file : new String[] {"model.safetensors", "optimizer.safetensors"}) {
            Map<String, Tensor> tensors = Safetensors.read(run.resolve("checkpoints/step-000002/" + file));
            for (Map.Entry<String, Tensor> e : tensors.entrySet()) {
                if (e.getKey().endsWith(".step")) continue;
                assertTrue(Tensors.isType(e.getValue(), torch.ScalarType.Float), file + " " + e.getKey() + " "
                        + e.getValue().scalar_type());
            }
        }
    }
}
