package ai.lcl4j.optim;

import ai.lcl4j.io.WeightsFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where every command that reads weights (loss, eval, export, train --init-from) gets them:
 * a run folder (its latest complete checkpoint, as {@link CheckpointStore#latest()} decides),
 * a checkpoint folder (validated by {@link CheckpointStore#load}), or a weights file of any
 * format {@link WeightsFile#load} reads (safetensors, torch.save).
 */
public final class WeightSources {
    private WeightSources() {}

    /**
     * @throws IOException naming the path when nothing there holds weights, or the file is unreadable
     *                     (an incomplete checkpoint folder: {@link CheckpointException} with the reason)
     */
    public static WeightsFile.Loaded load(Path path) throws IOException {
        if (!Files.isDirectory(path)) return WeightsFile.load(path);
        Path checkpoints = path.resolve("checkpoints");
        if (Files.isDirectory(checkpoints)) {
            Checkpoint c = new CheckpointStore(checkpoints, Integer.MAX_VALUE).latest()
                    .orElseThrow(() -> new IOException(path + ": no complete checkpoint under " + checkpoints));
            return WeightsFile.load(c.modelFile());
        }
        return WeightsFile.load(CheckpointStore.load(path).modelFile());
    }
}
