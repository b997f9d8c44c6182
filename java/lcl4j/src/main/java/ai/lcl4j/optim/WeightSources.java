package ai.lcl4j.optim;

import ai.lcl4j.io.WeightsFile;
import ai.lcl4j.ops.NonFinite;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Optional;

/**
 * Where every command that reads weights (loss, eval, export, train --init-from) gets them, one path for
 * all of them:
 * <ul>
 *   <li>a run folder: its newest checkpoint that verifies ({@link CheckpointStore#choose()}); a newer one
 *       that does not is named, with the reason, in the notes;</li>
 *   <li>a checkpoint folder, verified against its manifest ({@link CheckpointStore#load}); a folder with
 *       only a {@code model.safetensors} is read as that file;</li>
 *   <li>a weights file of any format {@link WeightsFile#load} reads: safetensors, or {@code torch.save}
 *       ({@code .pt}/{@code .pth}/{@code .bin}: a plain state dict, or the reference trainer's
 *       {@code {epoch, name, state_dict, optimizer}} with DDP's {@code module.} prefixes).</li>
 * </ul>
 * Weights holding NaN or infinity are refused whatever their source, naming the file and the tensor.
 */
public final class WeightSources {
    private WeightSources() {}

    /**
     * Weights and where they came from.
     *
     * @param tensors reference name to CPU tensor
     * @param file    the file the tensors were read from (for a folder: its checkpoint's model file)
     * @param origin  what was read, for a command's output: the file and its format, or the checkpoint folder and its step
     * @param notes   what happened on the way (an unusable newer checkpoint passed over, a prefix dropped, names
     *                converted), one line each, for the log
     */
    public record Loaded(LinkedHashMap<String, Tensor> tensors, Path file, String origin, List<String> notes) {}

    /**
     * Reads the weights at {@code path}.
     *
     * @throws IOException naming the path when nothing there holds weights, or the file is unreadable,
     *                     truncated or corrupted (a checkpoint folder that does not verify: {@link CheckpointException})
     * @throws IllegalArgumentException naming the file and the tensor when a value is NaN or infinite (a checkpoint
     *                                  folder's: {@link CheckpointException})
     */
    public static Loaded load(Path path) throws IOException {
        if (!Files.exists(path)) throw new IOException(path + ": no such file or folder");
        if (!Files.isDirectory(path)) return fromFile(path, new ArrayList<>());
        Path checkpoints = path.resolve("checkpoints");
        if (Files.isDirectory(checkpoints)) {
            CheckpointStore.Choice choice = new CheckpointStore(checkpoints, Integer.MAX_VALUE).choose();
            List<String> notes = new ArrayList<>();
            choice.fallbackNote().ifPresent(notes::add);
            Checkpoint c = choice.checkpoint().orElseThrow(() -> new IOException(path + ": no complete checkpoint under "
                    + checkpoints + choice.fallbackNote().map(n -> " (" + n + ")").orElse("")));
            return fromCheckpoint(c, notes);
        }
        boolean checkpointFolder = Files.exists(path.resolve(CheckpointStore.MANIFEST))
                || Files.exists(path.resolve(CheckpointStore.STATE));
        Path model = path.resolve(CheckpointStore.MODEL);
        // a bare folder holding model.safetensors (an export next to its config, say): that file
        if (!checkpointFolder && Files.isRegularFile(model)) return fromFile(model, new ArrayList<>());
        return fromCheckpoint(CheckpointStore.load(path), new ArrayList<>());
    }

    private static Loaded fromCheckpoint(Checkpoint c, List<String> notes) throws IOException {
        // readModel refuses non-finite values itself, naming the checkpoint's step
        return new Loaded(c.readModel(), c.modelFile(), c.dir() + " (step " + c.step() + ")", List.copyOf(notes));
    }

    private static Loaded fromFile(Path file, List<String> notes) throws IOException {
        WeightsFile.Loaded w = WeightsFile.load(file);
        Optional<String> bad = NonFinite.first(w.tensors());
        if (bad.isPresent()) throw new IllegalArgumentException(file + ": tensor " + bad.get() + "; these weights cannot be used");
        notes.addAll(w.notes());
        return new Loaded(w.tensors(), file, file + " (" + w.format() + ")", List.copyOf(notes));
    }
}
