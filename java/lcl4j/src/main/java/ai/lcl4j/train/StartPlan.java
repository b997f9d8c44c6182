package ai.lcl4j.train;

import ai.lcl4j.data.source.Position;
import ai.lcl4j.metrics.MetricsLog;
import ai.lcl4j.optim.Checkpoint;
import ai.lcl4j.optim.CheckpointStore;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;

/**
 * Everything a run checks before it writes anything, and then the writing. {@link #check} reads only: the
 * run folder's state, on resume the newest checkpoint that verifies (naming any newer one passed over), its
 * weights (finite), the data position of this rank, the recorded settings against this start's
 * ({@link RunConfigDiff}) and the shard files against the recorded ones ({@link ShardRecord}). A refused
 * start therefore leaves the run folder byte for byte as it was, and a fresh start that fails leaves no
 * folder. {@link #commit} then writes config.json, the shard record and a history line, and drops the
 * metrics of steps after the checkpoint (they are about to be recomputed).
 */
final class StartPlan {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final TrainConfig cfg;
    private final RunStart start;
    private final Checkpoint checkpoint;                 // null for a fresh start
    private final Map<Path, String> passedOver;           // newer checkpoint folders that did not verify
    private final Map<String, Tensor> model, optimizer;   // the checkpoint's tensors (null for a fresh start)
    private final Position position;                      // this rank's data position (null: the beginning)
    private final Map<String, Long> priorSkips;
    private final List<RunConfigDiff.Change> changes;     // allowed changes of settings
    private final ShardRecord shards;                     // to write (null: the recorded one stays)
    private final List<String> shardChanges;              // allowed differences from the recorded shards
    private final List<String> notes;                     // lines to print once the start is committed

    private StartPlan(TrainConfig cfg, RunStart start, Checkpoint checkpoint, Map<Path, String> passedOver,
                      Map<String, Tensor> model, Map<String, Tensor> optimizer, Position position,
                      Map<String, Long> priorSkips, List<RunConfigDiff.Change> changes, ShardRecord shards,
                      List<String> shardChanges, List<String> notes) {
        this.cfg = cfg;
        this.start = start;
        this.checkpoint = checkpoint;
        this.passedOver = passedOver;
        this.model = model;
        this.optimizer = optimizer;
        this.position = position;
        this.priorSkips = priorSkips;
        this.changes = changes;
        this.shards = shards;
        this.shardChanges = shardChanges;
        this.notes = notes;
    }

    /**
     * Checks a start without writing anything.
     *
     * @param master whether this process writes the run folder (it alone checks the shard files, which
     *               reads them)
     * @throws IllegalArgumentException for a start that cannot go ahead, naming the file, setting or flag
     * @throws ai.lcl4j.optim.CheckpointException when the checkpoint's weights hold NaN or infinity
     */
    static StartPlan check(TrainConfig cfg, RunStart start, CheckpointStore store, int rank, int world, boolean master)
            throws IOException {
        Path out = cfg.out();
        if (Files.exists(out) && !Files.isDirectory(out))
            throw new IllegalArgumentException("--out " + out + " is a file, not a folder: give a folder for the run");
        List<String> notes = new ArrayList<>();
        if (!start.resume()) {
            Optional<Checkpoint> old = store.list().stream().reduce((a, b) -> b);
            if (old.isPresent()) {
                // a second run here would prune the first one's checkpoints or be pruned by them
                throw new IllegalArgumentException("--out " + out + " holds the checkpoints of a run (up to step "
                        + old.get().step() + "): continue it with --resume, or give another --out to start a new run");
            }
            return new StartPlan(cfg, start, null, Map.of(), null, null, null, Map.of(), List.of(),
                    master ? ShardRecord.of(cfg.data().sources()) : null, List.of(), notes);
        }

        CheckpointStore.Choice choice = store.choose();
        if (choice.checkpoint().isEmpty()) {
            String why = choice.passedOver().isEmpty() ? "" : "; " + choice.fallbackNote().orElse("");
            throw new IllegalArgumentException("--resume: no usable checkpoint under " + store.root() + why);
        }
        Checkpoint c = choice.checkpoint().get();
        choice.fallbackNote().ifPresent(notes::add);

        List<RunConfigDiff.Change> changes = checkSettings(cfg, start, c);
        ShardRecord newShards = null;
        List<String> shardChanges = List.of();
        if (master) {
            ShardRecord was = ShardRecord.read(out);
            if (was == null) {
                notes.add("no " + ShardRecord.FILE_NAME + " in " + out + " (a run started by an older lcl4j): the shard"
                        + " files are recorded now and checked on the next resume");
                newShards = ShardRecord.of(cfg.data().sources());
            } else {
                shardChanges = checkShards(cfg, start, was);
                if (!shardChanges.isEmpty()) {
                    newShards = ShardRecord.of(cfg.data().sources());
                    notes.add("resume: the shard files changed (allowed by --allow-config-change data): "
                            + String.join("; ", shardChanges));
                }
            }
        }

        Position position;
        try {
            position = DataParallelCheckpoints.position(c.state(), rank, world);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(c.dir().resolve("state.json") + ": " + e.getMessage(), e);
        }
        Map<String, Tensor> weights = c.readModel();
        Map<String, Tensor> optimiser = c.readOptimizer();
        return new StartPlan(cfg, start, c, choice.passedOver(), weights, optimiser, position,
                skipCounts(c.state().get("skips")), changes, newShards, shardChanges, notes);
    }

    /**
     * The settings of this start against those the checkpoint recorded (config.json when it recorded none);
     * returns the allowed changes, refuses the others, naming each with both values.
     */
    private static List<RunConfigDiff.Change> checkSettings(TrainConfig cfg, RunStart start, Checkpoint c) throws IOException {
        JsonNode recorded = c.state().get("config");
        Path recordedIn = c.dir().resolve("state.json");
        if (recorded == null || !recorded.isObject()) {
            recordedIn = cfg.out().resolve("config.json");
            if (!Files.isRegularFile(recordedIn))
                throw new IllegalArgumentException("--resume: " + c.dir() + " records no settings (state.json has no"
                        + " config) and " + recordedIn + " is missing: the run's settings cannot be checked");
            recorded = JSON.readTree(recordedIn.toFile());
        }
        List<RunConfigDiff.Change> all = RunConfigDiff.between(recorded, cfg.toJson());
        List<RunConfigDiff.Change> refused = RunConfigDiff.refused(all, start.allowedChanges());
        if (!refused.isEmpty()) {
            StringBuilder s = new StringBuilder("--resume: ");
            s.append(refused.size() == 1 ? "a setting differs" : refused.size() + " settings differ")
                    .append(" from the run's recorded ones (").append(recordedIn).append("): ");
            for (int i = 0; i < refused.size(); i++) s.append(i == 0 ? "" : "; ").append(refused.get(i).describe());
            s.append(". Resume with the recorded values, or continue with the new ones by adding --allow-config-change ")
                    .append(RunConfigDiff.flagList(refused)).append(" (recorded in ").append(RunHistory.FILE_NAME).append(')');
            throw new IllegalArgumentException(s.toString());
        }
        return all;
    }

    /** The shard files against the recorded ones: the differences when data may change, else a refusal naming them. */
    private static List<String> checkShards(TrainConfig cfg, RunStart start, ShardRecord was) throws IOException {
        List<String> diff = was.differences(cfg.data().sources());
        if (!diff.isEmpty() && !start.allowedChanges().contains("data")) {
            throw new IllegalArgumentException("--resume: the training shards changed since the run started: "
                    + String.join("; ", diff) + ". The checkpoint's data position counts records of the"
                    + " recorded files: restore them, or continue on the new contents with"
                    + " --allow-config-change data (recorded in " + RunHistory.FILE_NAME + ")");
        }
        return diff;
    }

    /** The checkpoint resumed from, or null for a fresh start. */
    Checkpoint checkpoint() {
        return checkpoint;
    }

    /** The step the run continues after (0 for a fresh start). */
    long startStep() {
        return checkpoint == null ? 0 : checkpoint.step();
    }

    Map<String, Tensor> model() {
        return model;
    }

    Map<String, Tensor> optimizer() {
        return optimizer;
    }

    Position position() {
        return position;
    }

    Map<String, Long> priorSkips() {
        return priorSkips;
    }

    /**
     * Writes the start into the run folder (rank 0 only): config.json, the shard record when it is new, a
     * history line; on resume drops the metrics of steps after the checkpoint. Prints the notes.
     */
    void commit(JsonNode configJson, PrintStream log) throws IOException {
        Path out = cfg.out();
        Files.createDirectories(out);
        Files.writeString(out.resolve("config.json"), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(configJson));
        if (shards != null) shards.write(out);
        RunHistory.append(out, start.resume(), startStep(), checkpoint == null ? null : checkpoint.dir(), changes, passedOver,
                shardChanges);
        // steps after the checkpoint are about to be recomputed: their old records would appear twice
        if (checkpoint != null) MetricsLog.dropAfter(out.resolve(MetricsLog.FILE_NAME), checkpoint.step());
        for (String n : notes) log.println(n);
        for (RunConfigDiff.Change c : changes) log.println("resume: changed " + c.describe() + " (allowed; recorded in "
                + out.resolve(RunHistory.FILE_NAME) + ")");
    }

    private static Map<String, Long> skipCounts(JsonNode saved) {
        Map<String, Long> m = new LinkedHashMap<>();
        if (saved != null) saved.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asLong()));
        return m;
    }
}
