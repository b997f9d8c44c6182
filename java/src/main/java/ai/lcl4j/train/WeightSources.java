package ai.lcl4j.train;

import ai.lcl4j.io.WeightsFile;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Where every command that reads weights (loss, eval, export, train --init-from) gets them:
 * a run folder (its latest complete checkpoint, as {@link CheckpointStore#latest()} decides),
 * or anything {@link WeightsFile#load} reads (a safetensors or torch.save file, a checkpoint folder).
 */
public final class WeightSources {
    private WeightSources() {}

    /**
     * @throws IOException naming the path when nothing there holds weights, or the file is unreadable
     */
    public static WeightsFile.Loaded load(Path path) throws IOException {
        Path checkpoints = path.resolve("checkpoints");
        if (Files.isDirectory(path) && !Files.isRegularFile(path.resolve("model.safetensors")) && Files.isDirectory(checkpoints)) {
            Checkpoint c = new CheckpointStore(checkpoints, Integer.MAX_VALUE).latest()
                    .orElseThrow(() -> new IOException(path + ": no complete checkpoint under " + checkpoints));
            return WeightsFile.load(c.dir());
        }
        return WeightsFile.load(path);
    }
}
