package ai.lcl4j.train;

import ai.lcl4j.io.Safetensors;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.bytedeco.pytorch.Tensor;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Checkpoints under one root folder, one folder per step:
 * <pre>
 * root/step-000123/model.safetensors      model weights (reference state-dict names)
 *                  optimizer.safetensors  optimiser state (see AdamW#stateTensors)
 *                  state.json             magic, format version, step, saved_at, file sizes, trainer state
 * </pre>
 * A save writes everything into {@code .step-000123.tmp/}, state.json last,
 * forces it to disk and renames the folder into place, so a kill at any
 * moment leaves either no {@code step-000123} or a complete one. A folder is
 * complete when its state.json parses, carries our magic and version, names
 * the folder's step and lists files that exist with the recorded sizes;
 * {@link #latest()} considers complete folders only. Older checkpoints beyond
 * the last {@code keepLast} are deleted only after the new one is in place.
 *
 * <p>The trainer's {@code state} node is stored as given; by convention it
 * holds {@code config} (name), {@code data_position} (the reader's resume
 * point), {@code rng} (generator states), {@code schedule} and
 * {@code started_at}.
 */
public final class CheckpointStore {
    public static final String MAGIC = "lcl4j-checkpoint";
    public static final int FORMAT_VERSION = 1;
    static final String MODEL = "model.safetensors";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String STATE = "state.json";

    private static final Pattern COMPLETE = Pattern.compile("step-(\\d{6,18})");
    private static final Pattern LEFTOVER = Pattern.compile("\\.step-\\d{6,18}\\.(tmp|del)");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final Path root;
    private final int keepLast;

    /**
     * @param root     folder holding the checkpoints (created on the first save)
     * @param keepLast how many complete checkpoints to keep, at least 1
     */
    public CheckpointStore(Path root, int keepLast) {
        if (keepLast < 1) throw new IllegalArgumentException("CheckpointStore keepLast must be >= 1, got " + keepLast);
        this.root = root;
        this.keepLast = keepLast;
    }

    public Path root() {
        return root;
    }

    static String folderName(long step) {
        return String.format("step-%06d", step);
    }

    /**
     * Saves a checkpoint for {@code step} (replacing one of the same step),
     * then prunes to the last {@code keepLast}. On failure the temporary folder
     * is removed and earlier checkpoints are untouched.
     */
    public Checkpoint save(long step, Map<String, Tensor> model, Map<String, Tensor> optim, JsonNode state)
            throws IOException {
        if (step < 0) throw new IllegalArgumentException("checkpoint step must be >= 0, got " + step);
        Files.createDirectories(root);
        removeLeftovers();
        String name = folderName(step);
        Path tmp = root.resolve("." + name + ".tmp");
        Path dir = root.resolve(name);
        try {
            Files.createDirectory(tmp);
            Map<String, String> meta = Map.of("format", "pt", "lcl4j.step", Long.toString(step));
            Safetensors.write(tmp.resolve(MODEL), model, meta);
            Safetensors.write(tmp.resolve(OPTIMIZER), optim, meta);
            Instant now = Instant.now();
            ObjectNode doc = JSON.createObjectNode();
            doc.put("magic", MAGIC);
            doc.put("format_version", FORMAT_VERSION);
            doc.put("step", step);
            doc.put("saved_at", now.toString());
            ObjectNode files = doc.putObject("files");
            for (String f : List.of(MODEL, OPTIMIZER)) files.putObject(f).put("bytes", Files.size(tmp.resolve(f)));
            doc.set("state", state == null ? JSON.nullNode() : state);
            writeSynced(tmp.resolve(STATE), JSON.writeValueAsBytes(doc));
            syncDir(tmp);
            if (Files.exists(dir)) {
                // a re-save of the same step: move the old one aside first; a crash here leaves older steps as latest
                Path old = root.resolve("." + name + ".del");
                move(dir, old);
                move(tmp, dir);
                deleteTree(old);
            } else {
                move(tmp, dir);
            }
            syncDir(root);
            prune();
            return new Checkpoint(dir, step, now, doc.get("state"));
        } catch (IOException | RuntimeException | Error e) {
            try {
                deleteTree(tmp);
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw e;
        }
    }

    /** The complete checkpoint with the highest step, if any. */
    public Optional<Checkpoint> latest() throws IOException {
        List<Checkpoint> all = list();
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    /** Complete checkpoints, oldest step first. */
    public List<Checkpoint> list() throws IOException {
        List<Checkpoint> out = new ArrayList<>();
        for (Path d : stepFolders()) {
            try {
                out.add(load(d));
            } catch (CheckpointException e) {
                // incomplete or foreign: not a candidate (see incomplete())
            }
        }
        out.sort(Comparator.comparingLong(Checkpoint::step));
        return out;
    }

    /** Step folders that {@link #latest()} ignores, each with the reason, for the trainer's log. */
    public Map<Path, String> incomplete() throws IOException {
        Map<Path, String> out = new LinkedHashMap<>();
        for (Path d : stepFolders()) {
            try {
                load(d);
            } catch (CheckpointException e) {
                out.put(d, e.getMessage());
            }
        }
        return out;
    }

    /**
     * Validates and opens the checkpoint folder {@code dir}.
     *
     * @throws CheckpointException naming the file and the problem when it is not complete
     */
    public static Checkpoint load(Path dir) throws IOException {
        Path statePath = dir.resolve(STATE);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(statePath);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(statePath, "missing: the checkpoint was not completely written");
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(statePath, "not valid JSON (truncated write?): " + e.getOriginalMessage());
        }
        if (doc == null || !doc.isObject()) throw new CheckpointException(statePath, "not a JSON object");
        if (!MAGIC.equals(doc.path("magic").asText(null))) {
            throw new CheckpointException(statePath, "magic is " + doc.get("magic") + ", expected \"" + MAGIC + "\"");
        }
        JsonNode version = doc.get("format_version");
        if (version == null || !version.canConvertToInt() || version.asInt() != FORMAT_VERSION) {
            throw new CheckpointException(statePath, "format_version is " + version + "; this lcl4j reads version "
                    + FORMAT_VERSION);
        }
        JsonNode stepNode = doc.get("step");
        if (stepNode == null || !stepNode.isIntegralNumber() || stepNode.asLong() < 0) {
            throw new CheckpointException(statePath, "step is " + stepNode + ", expected an integer >= 0");
        }
        long step = stepNode.asLong();
        Matcher m = COMPLETE.matcher(dir.getFileName().toString());
        if (m.matches() && Long.parseLong(m.group(1)) != step) {
            throw new CheckpointException(statePath, "step " + step + " does not match folder " + dir.getFileName());
        }
        Instant savedAt;
        try {
            savedAt = Instant.parse(doc.path("saved_at").asText(""));
        } catch (DateTimeParseException e) {
            throw new CheckpointException(statePath, "saved_at is " + doc.get("saved_at") + ", expected an ISO-8601 instant");
        }
        for (String f : List.of(MODEL, OPTIMIZER)) {
            JsonNode size = doc.path("files").path(f).get("bytes");
            if (size == null || !size.canConvertToLong()) {
                throw new CheckpointException(statePath, "files." + f + ".bytes is missing");
            }
            Path p = dir.resolve(f);
            if (!Files.isRegularFile(p)) throw new CheckpointException(p, "missing");
            long actual = Files.size(p);
            if (actual != size.asLong()) {
                throw new CheckpointException(p, actual + " bytes but state.json recorded " + size.asLong());
            }
        }
        if (!doc.has("state")) {
            throw new CheckpointException(statePath, "has no \"state\" entry (the trainer's state)");
        }
        return new Checkpoint(dir, step, savedAt, doc.get("state"));
    }

    private List<Path> stepFolders() throws IOException {
        if (!Files.isDirectory(root)) return List.of();
        try (Stream<Path> s = Files.list(root)) {
            return s.filter(p -> COMPLETE.matcher(p.getFileName().toString()).matches() && Files.isDirectory(p))
                    .sorted().toList();
        }
    }

    /** Temporary and half-deleted folders of earlier, interrupted saves. */
    private void removeLeftovers() throws IOException {
        List<Path> left;
        try (Stream<Path> s = Files.list(root)) {
            left = s.filter(p -> LEFTOVER.matcher(p.getFileName().toString()).matches()).toList();
        }
        for (Path p : left) deleteTree(p);
    }

    private void prune() throws IOException {
        List<Checkpoint> all = list();
        for (int i = 0; i < all.size() - keepLast; i++) {
            Path d = all.get(i).dir();
            // rename first so a crash mid-delete leaves a leftover, never a half-deleted "step-" folder
            Path del = root.resolve("." + d.getFileName() + ".del");
            move(d, del);
            deleteTree(del);
        }
    }

    private static void writeSynced(Path file, byte[] bytes) throws IOException {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ByteBuffer b = ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) ch.write(b);
            ch.force(true);
        }
    }

    /** Makes a rename durable; some file systems refuse to open a folder for this, which we tolerate. */
    private static void syncDir(Path dir) {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        } catch (IOException e) {
            // best effort: the data files themselves were forced
        }
    }

    private static void move(Path from, Path to) throws IOException {
        try {
            Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(from, to);
        }
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
