package ai.lcl4j.train;

import ai.lcl4j.io.Safetensors;
import com.fasterxml.jackson.databind.JsonNode;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;

/**
 * One complete checkpoint folder, as validated by {@link CheckpointStore#load(Path)}.
 *
 * @param dir     the {@code step-000123} folder
 * @param step    the training step it was saved at
 * @param savedAt when its state.json was written
 * @param state   the trainer's JSON node (config, data position, RNG, schedule ...)
 */
public record Checkpoint(Path dir, long step, Instant savedAt, JsonNode state) {
    public Path modelFile() {
        return dir.resolve(CheckpointStore.MODEL);
    }

    public Path optimizerFile() {
        return dir.resolve(CheckpointStore.OPTIMIZER);
    }

    /** The model weights, as CPU tensors. */
    public LinkedHashMap<String, Tensor> readModel() throws IOException {
        return Safetensors.read(modelFile());
    }

    /** The optimiser state, as CPU tensors. */
    public LinkedHashMap<String, Tensor> readOptimizer() throws IOException {
        return Safetensors.read(optimizerFile());
    }
}
