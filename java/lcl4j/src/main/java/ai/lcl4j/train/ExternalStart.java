package ai.lcl4j.train;

import ai.lcl4j.io.FileChecksum;
import ai.lcl4j.io.ReferenceCheckpoint;
import ai.lcl4j.io.StateDicts;
import ai.lcl4j.io.TorchFile;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.ops.NonFinite;
import ai.lcl4j.optim.AdamW;
import ai.lcl4j.optim.ReferenceResume;
import ai.lcl4j.optim.WeightSources;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bytedeco.pytorch.Tensor;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * Loads a {@link StartFrom} into a new run's model (and, from a reference run, its optimiser), before the
 * run writes anything, and describes the source for the run's records: which file, its size and CRC32C (a
 * later reader can tell whether the file it finds is the one the run began with), its format and, for a
 * reference run, the step and epoch it continued.
 */
final class ExternalStart {
    /** The key of the source's record in config.json and every checkpoint's recorded config. */
    static final String CONFIG_KEY = "initFrom";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ExternalStart() {}

    /**
     * What was loaded.
     *
     * @param step   the step the run continues after: 0 for weights, the reference run's optimizer steps
     * @param record the source as recorded in config.json ({@code initFrom}) and the history line ({@code from})
     * @param origin one line for the log
     * @param notes  what happened on the way (prefixes dropped, settings of the reference run that differ)
     */
    record Applied(long step, ObjectNode record, String origin, List<String> notes) {}

    /**
     * @throws IllegalArgumentException naming the flag and the file when it does not fit the model or the run
     * @throws IOException              naming the file when it cannot be read
     */
    static Applied apply(StartFrom from, LclModel model, AdamW optimizer, TrainConfig cfg) throws IOException {
        Path file = from.file();
        if (!Files.exists(file)) throw new IllegalArgumentException(from.flag() + ": no such file or folder: " + file);
        return from.referenceRun() ? referenceRun(from, model, optimizer, cfg) : weights(from, model);
    }

    private static Applied weights(StartFrom from, LclModel model) throws IOException {
        WeightSources.Loaded w = WeightSources.load(from.file());
        requireFits(from, w.file(), model, w.tensors());
        model.loadStateDict(w.tensors());
        ObjectNode rec = record(from, w.file());
        rec.put("format", w.origin());
        return new Applied(0, rec, "initialised from " + w.origin() + " (weights only; a new optimiser at step 0)",
                w.notes());
    }

    private static Applied referenceRun(StartFrom from, LclModel model, AdamW optimizer, TrainConfig cfg) throws IOException {
        Path file = from.file();
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException(from.flag() + " " + file + ": a folder; --resume-from takes the reference"
                    + " trainer's epoch_N.pt (an lcl4j run continues with --resume --out " + file + ")");
        }
        if (!TorchFile.isTorchZip(file)) {
            throw new IllegalArgumentException(from.flag() + " " + file + ": not a torch.save file; --resume-from takes"
                    + " the reference trainer's epoch_N.pt (weights alone, in any format: --init-from)");
        }
        ReferenceCheckpoint ck = ReferenceCheckpoint.read(file);
        Optional<String> bad = NonFinite.first(ck.weights());
        if (bad.isPresent()) throw new IllegalArgumentException(from.flag() + " " + file + ": tensor " + bad.get()
                + "; this checkpoint cannot continue a run");
        requireFits(from, file, model, ck.weights());
        ReferenceResume resumed = ReferenceResume.apply(ck, model, optimizer);
        long step = resumed.step();
        if (step >= cfg.loop().steps()) {
            throw new IllegalArgumentException(from.flag() + " " + file + " is at step " + step + " and --steps is "
                    + cfg.loop().steps() + ": --steps counts the reference run's steps too, give more");
        }
        List<String> notes = new ArrayList<>(resumed.notes());
        notes.addAll(differences(resumed.groupOptions(), cfg.optimiser()));
        notes.add("the data starts at the beginning of --data (a reference checkpoint holds no data position)");
        ObjectNode rec = record(from, file);
        rec.put("format", "torch.save checkpoint of the reference trainer");
        rec.put("step", step);
        rec.put("epoch", resumed.epoch());
        if (!ck.name().isEmpty()) rec.put("name", ck.name());
        return new Applied(step, rec, "continuing the reference run " + file + " (epoch " + resumed.epoch() + ") at step "
                + step + " with its AdamW moments; the lr schedule continues at that step", List.copyOf(notes));
    }

    /** One line naming the flag, the file and what does not fit (the model would list every name). */
    private static void requireFits(StartFrom from, Path file, LclModel model, Map<String, Tensor> weights) {
        StateDicts.summary(StateDicts.shapesOf(model.namedParameters()), weights).ifPresent(d -> {
            throw new IllegalArgumentException(from.flag() + " " + file + " does not fit --model: " + d
                    + "; give the config it was made with (--model NAME or FILE.json)");
        });
    }

    private static ObjectNode record(StartFrom from, Path fileRead) throws IOException {
        FileChecksum sum = FileChecksum.of(fileRead);
        ObjectNode rec = JSON.createObjectNode();
        rec.put("kind", from.referenceRun() ? "reference run" : "weights");
        rec.put("path", from.file().toAbsolutePath().normalize().toString());
        if (!fileRead.equals(from.file())) rec.put("file", fileRead.toAbsolutePath().normalize().toString());
        rec.put("bytes", sum.bytes());
        rec.put("crc32c", sum.crc32c());
        return rec;
    }

    /**
     * The reference run's AdamW settings that differ from this run's (its decay group, the second, carries
     * them all): said, not refused, since changing them on a continued run can be deliberate.
     */
    private static List<String> differences(List<AdamW.Options> reference, TrainConfig.Optimiser ours) {
        List<String> out = new ArrayList<>();
        if (reference.size() < 2) return out;
        AdamW.Options r = reference.get(1);
        compare(out, "beta1", r.beta1(), ours.beta1());
        compare(out, "beta2", r.beta2(), ours.beta2());
        compare(out, "eps", r.eps(), ours.eps());
        compare(out, "weight-decay", r.weightDecay(), ours.weightDecay());
        return out;
    }

    private static void compare(List<String> out, String flag, double reference, double ours) {
        if (reference != ours) {
            out.add(String.format(Locale.ROOT, "the reference run used %s %s; this run uses --%s %s", flag,
                    reference, flag, ours));
        }
    }
}
