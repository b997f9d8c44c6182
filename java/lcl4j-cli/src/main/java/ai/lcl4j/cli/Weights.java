package ai.lcl4j.cli;

import ai.lcl4j.io.Safetensors;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelConfigs;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.ops.NonFinite;
import ai.lcl4j.optim.Checkpoint;
import ai.lcl4j.optim.CheckpointStore;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * Where commands get weights from: a safetensors file with the reference names, a checkpoint folder
 * (verified against its manifest), or a run folder (its newest checkpoint that verifies; a newer one that
 * does not is named, with the reason, before the older one is used). Weights holding NaN or infinity are
 * refused, naming the tensor.
 */
final class Weights {
    private Weights() {}

    /**
     * Weights and where they came from.
     *
     * @param tensors the state dict
     * @param origin  what was read, for the command's output: the file, or the checkpoint folder and its step
     */
    record Loaded(Map<String, Tensor> tensors, String origin) {}

    /** @param notes where a fallback to an older checkpoint is announced (stderr: stdout may carry JSON) */
    static Loaded read(Path path, PrintStream notes) throws IOException {
        if (Files.isRegularFile(path)) return new Loaded(finite(path, Safetensors.read(path)), path.toString());
        if (Files.isDirectory(path.resolve("checkpoints"))) {
            CheckpointStore.Choice choice = new CheckpointStore(path.resolve("checkpoints"), Integer.MAX_VALUE).choose();
            choice.fallbackNote().ifPresent(n -> notes.println("warning: " + n));
            Checkpoint c = choice.checkpoint().orElseThrow(() -> new UsageException("--weights: no usable checkpoint under "
                    + path.resolve("checkpoints") + choice.fallbackNote().map(n -> " (" + n + ")").orElse("")));
            return fromCheckpoint(c);
        }
        Path model = path.resolve("model.safetensors");
        if (Files.isRegularFile(path.resolve("manifest.json"))) return fromCheckpoint(CheckpointStore.load(path));
        if (Files.isRegularFile(model)) return new Loaded(finite(model, Safetensors.read(model)), model.toString());
        throw new UsageException("--weights: " + path + " is not a .safetensors file, a checkpoint folder or a run folder");
    }

    private static Loaded fromCheckpoint(Checkpoint c) throws IOException {
        return new Loaded(c.readModel(), c.dir() + " (step " + c.step() + ")");
    }

    private static Map<String, Tensor> finite(Path file, Map<String, Tensor> sd) {
        Optional<String> bad = NonFinite.first(sd);
        if (bad.isPresent()) throw new IllegalArgumentException("--weights " + file + ": tensor " + bad.get()
                + "; these weights cannot be used");
        return sd;
    }

    /** A model of {@code config} holding the weights at {@code path}; names them (and any fallback) on {@code notes}. */
    static LclModel load(String config, Path path, ModelOptions options, PrintStream notes) throws IOException {
        LclModel m = new LclModel(ModelConfigs.resolve(config), options);
        try {
            Loaded w = read(path, notes);
            m.loadStateDict(w.tensors());
            notes.println("weights: " + w.origin());
            return m;
        } catch (RuntimeException | IOException e) {
            m.close();
            throw e;
        }
    }
}
