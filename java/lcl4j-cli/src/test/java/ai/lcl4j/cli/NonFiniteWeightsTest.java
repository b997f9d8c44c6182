package ai.lcl4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.lcl4j.io.Safetensors;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelConfigs;
import ai.lcl4j.model.ModelOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 13: weights holding NaN or infinity are refused when read, naming the tensor, by every command that
 * reads weights, instead of surfacing later as a non-finite loss that seems to blame the data.
 */
class NonFiniteWeightsTest {
    @Test
    void exportAndLossRefuseNaNWeightsNamingTheTensor(@TempDir Path tmp) throws Exception {
        Path weights = tmp.resolve("nan.safetensors");
        try (LclModel m = new LclModel(ModelConfigs.get("lcl-tiny"), ModelOptions.defaults())) {
            Map<String, Tensor> sd = m.stateDict();
            Tensor proj = sd.get("text.text_projection");
            proj.data_ptr_float().put(7, Float.NaN).put(9, Float.NEGATIVE_INFINITY);
            Safetensors.write(weights, sd, Map.of());
        }
        Path out = tmp.resolve("out.safetensors");
        CliRun export = CliRun.of("export", "--weights", weights, "--out", out);
        assertEquals(Cli.EXIT_FAILURE, export.code(), export.both());
        assertTrue(export.err().contains(weights.toString()) && export.err().contains("text.text_projection: 2 of ")
                && export.err().contains("NaN or infinite"), export.err());
        assertFalse(export.err().strip().contains("\n"), export.err());
        assertFalse(Files.exists(out));

        Path batch = tmp.resolve("batch.safetensors");
        try (Tensor text = ai.lcl4j.ops.Tensors.longs(1, 97, 98, 2).reshape(1, 4)) {
            Safetensors.write(batch, Map.of("text", text), Map.of());
        }
        CliRun loss = CliRun.of("loss", "--weights", weights, "--batch", batch);
        assertEquals(Cli.EXIT_FAILURE, loss.code(), loss.both());
        assertTrue(loss.err().contains("text.text_projection: 2 of "), loss.err());
    }
}
