package ai.lcl4j.io;

import ai.lcl4j.model.LegacyStateDict;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads model weights from a file, whatever wrote it, into a name-to-tensor map under the
 * reference names (CPU tensors):
 * <ul>
 *   <li>a safetensors file (lcl4j's export and checkpoints; Python's safetensors);</li>
 *   <li>a {@code torch.save} file ({@code .pt}, {@code .pth}, {@code .bin}), recognised by its
 *       content, not its name: a plain state dict (as OpenCLIP ships {@code .bin}/{@code .pt}
 *       weights) or a training checkpoint holding one under {@code "state_dict"} (the reference
 *       trainer's {@code epoch_N.pt}); DDP's {@code module.} prefix is dropped when every name has
 *       it, as OpenCLIP's {@code load_state_dict} does.</li>
 * </ul>
 * Folders (an lcl4j checkpoint folder, a run folder) are the trainer's layout and are resolved
 * one layer up ({@code ai.lcl4j.optim.WeightSources}, the entry point for commands).
 * Weights with lcl4j's former pooler names are converted ({@link LegacyStateDict}) and the
 * result says so in its notes, once.
 */
public final class WeightsFile {
    private WeightsFile() {}

    /**
     * Weights and where they came from.
     *
     * @param tensors reference name to CPU tensor, in the file's order
     * @param format  "safetensors", "torch.save state dict" or "torch.save checkpoint (epoch N)"
     * @param notes   what was done to them on the way (prefix dropped, names converted); print each once
     */
    public record Loaded(LinkedHashMap<String, Tensor> tensors, String format, List<String> notes) {}

    /**
     * Reads the weights file at {@code path}.
     *
     * @throws IOException naming the file when it is unreadable, of an unknown format, truncated or corrupted
     * @throws IllegalArgumentException when it holds lcl4j's former pooler in a form that cannot be converted
     */
    public static Loaded load(Path path) throws IOException {
        if (Files.isDirectory(path)) throw new IOException(path + ": a folder, not a weights file");
        if (!Files.isRegularFile(path)) throw new IOException(path + ": no such file");
        if (looksLikeSafetensors(path)) return finish(Safetensors.read(path), "safetensors", new ArrayList<>());
        if (TorchFile.isTorchZip(path) || startsWithPickle(path)) return readTorch(path); // the latter: the legacy format, named
        throw new IOException(path + ": neither a safetensors file nor a torch.save file (.pt/.pth/.bin in the zip format)");
    }

    private static Loaded readTorch(Path path) throws IOException {
        try (TorchFile f = TorchFile.open(path)) {
            Object root = f.root();
            List<String> notes = new ArrayList<>();
            String format;
            Object sd;
            if (root instanceof Map<?, ?> m && m.get("state_dict") instanceof Map<?, ?> inner) {
                sd = inner;
                Object epoch = m.get("epoch");
                format = "torch.save checkpoint" + (epoch instanceof Long e ? " (epoch " + e + ")" : "");
            } else if (root instanceof Map<?, ?>) {
                sd = root;
                format = "torch.save state dict";
            } else {
                throw new TorchFormatException(path, "holds " + Unpickler.describe(root)
                        + ", not a state dict or a checkpoint dict with 'state_dict'");
            }
            LinkedHashMap<String, Tensor> tensors = f.tensors(sd, "state_dict");
            return finish(stripModulePrefix(path, tensors, notes), format, notes);
        }
    }

    /** DDP's "module." prefix: dropped when every name has it; a mix is an error (which names would be meant?). */
    static LinkedHashMap<String, Tensor> stripModulePrefix(Path path, LinkedHashMap<String, Tensor> sd, List<String> notes)
            throws TorchFormatException {
        String p = "module.";
        long with = sd.keySet().stream().filter(k -> k.startsWith(p)).count();
        if (with == 0) return sd;
        if (with != sd.size()) {
            throw new TorchFormatException(path, with + " of " + sd.size() + " tensor names start with 'module.' (DDP's prefix)"
                    + " and the others do not");
        }
        LinkedHashMap<String, Tensor> out = new LinkedHashMap<>();
        sd.forEach((k, v) -> out.put(k.substring(p.length()), v));
        notes.add("dropped DDP's 'module.' prefix from " + sd.size() + " names");
        return out;
    }

    private static Loaded finish(LinkedHashMap<String, Tensor> tensors, String format, List<String> notes) {
        Optional<LinkedHashMap<String, Tensor>> upgraded = LegacyStateDict.upgrade(tensors);
        if (upgraded.isPresent()) notes.add(LegacyStateDict.NOTE);
        return new Loaded(upgraded.orElse(tensors), format, List.copyOf(notes));
    }

    private static boolean startsWithPickle(Path path) throws IOException {
        try (var in = Files.newInputStream(path)) {
            return in.read() == 0x80;
        }
    }

    /** An 8-byte little-endian header length followed by '{'. */
    private static boolean looksLikeSafetensors(Path path) throws IOException {
        try (var in = Files.newInputStream(path)) {
            byte[] head = in.readNBytes(9);
            return head.length == 9 && head[8] == '{';
        }
    }
}
