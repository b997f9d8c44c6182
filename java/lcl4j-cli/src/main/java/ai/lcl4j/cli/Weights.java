package ai.lcl4j.cli;

import ai.lcl4j.io.Safetensors;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.train.Checkpoint;
import ai.lcl4j.train.CheckpointStore;
import ai.lcl4j.train.Trainer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * Where commands get weights from: a safetensors file with the reference
 * names, a checkpoint folder, or a run folder (its latest checkpoint).
 */
final class Weights {
    private Weights() {}

    static Map<String, Tensor> read(Path path) throws IOException {
        if (Files.isRegularFile(path)) return Safetensors.read(path);
        if (Files.isRegularFile(path.resolve("model.safetensors"))) return Safetensors.read(path.resolve("model.safetensors"));
        if (Files.isDirectory(path.resolve("checkpoints"))) {
            Checkpoint c = new CheckpointStore(path.resolve("checkpoints"), Integer.MAX_VALUE).latest()
                    .orElseThrow(() -> new UsageException("--weights: no complete checkpoint under " + path.resolve("checkpoints")));
            return c.readModel();
        }
        throw new UsageException("--weights: " + path + " is not a .safetensors file, a checkpoint folder or a run folder");
    }

    /** A model of {@code config} holding the weights at {@code path}. */
    static LclModel load(String config, Path path, ModelOptions options) throws IOException {
        LclModel m = new LclModel(Trainer.modelConfig(config), options);
        try {
            m.loadStateDict(read(path));
            return m;
        } catch (RuntimeException | IOException e) {
            m.close();
            throw e;
        }
    }
}
