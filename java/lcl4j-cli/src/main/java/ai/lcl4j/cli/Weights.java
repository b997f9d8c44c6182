package ai.lcl4j.cli;

import ai.lcl4j.io.StateDicts;
import ai.lcl4j.model.LclModel;
import ai.lcl4j.model.ModelConfigs;
import ai.lcl4j.model.ModelOptions;
import ai.lcl4j.optim.WeightSources;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code --weights} accepts, for every command that reads weights: whatever {@link WeightSources}
 * reads (a .safetensors, .pt/.pth/.bin file, a checkpoint folder or a run folder). Its notes (a newer
 * checkpoint passed over, DDP prefixes dropped) go to stderr, since stdout may carry JSON.
 */
final class Weights {
    private Weights() {}

    /** The weights at {@code path}; prints where they came from and any note on {@code notes}. */
    static WeightSources.Loaded read(Path path, PrintStream notes) throws IOException {
        if (!Files.exists(path)) throw new UsageException("--weights: no such file or folder: " + path);
        WeightSources.Loaded w = WeightSources.load(path);
        for (String n : w.notes()) notes.println((n.startsWith("checkpoint") ? "warning: " : "note: ") + n);
        return w;
    }

    /** A model of {@code config} holding the weights at {@code path}; names them (and any fallback) on {@code notes}. */
    static LclModel load(String config, Path path, ModelOptions options, PrintStream notes) throws IOException {
        LclModel m = new LclModel(ModelConfigs.resolve(config), options);
        try {
            WeightSources.Loaded w = read(path, notes);
            StateDicts.summary(StateDicts.shapesOf(m.namedParameters()), w.tensors()).ifPresent(d -> {
                throw new IllegalArgumentException("--weights " + w.file() + " do not fit --model " + config + ": " + d
                        + "; give the config the weights were made with (--model NAME or FILE.json)");
            });
            m.loadStateDict(w.tensors());
            notes.println("weights: " + w.origin());
            return m;
        } catch (RuntimeException | IOException e) {
            m.close();
            throw e;
        }
    }
}
