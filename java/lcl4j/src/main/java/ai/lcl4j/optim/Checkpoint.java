package ai.lcl4j.optim;

import ai.lcl4j.io.Safetensors;
import ai.lcl4j.ops.NonFinite;
import com.fasterxml.jackson.databind.JsonNode;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Optional;

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

    /** The model weights, as CPU tensors; refused, naming the tensor, when one holds NaN or infinity. */
    public LinkedHashMap<String, Tensor> readModel() throws IOException {
        return finite(modelFile(), Safetensors.read(modelFile()));
    }

    /** The optimiser state, as CPU tensors; refused, naming the tensor, when one holds NaN or infinity. */
    public LinkedHashMap<String, Tensor> readOptimizer() throws IOException {
        return finite(optimizerFile(), Safetensors.read(optimizerFile()));
    }

    private LinkedHashMap<String, Tensor> finite(Path file, LinkedHashMap<String, Tensor> tensors) throws CheckpointException {
        Optional<String> bad = NonFinite.first(tensors);
        if (bad.isPresent()) {
            throw new CheckpointException(file, "tensor " + bad.get() + "; the checkpoint of step " + step
                    + " cannot continue a run or be evaluated: use an earlier checkpoint");
        }
        return tensors;
    }
}
