package ai.lcl4j.optim;

import ai.lcl4j.io.FileChecksum;
import ai.lcl4j.io.Safetensors;
import ai.lcl4j.ops.NonFinite;
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
 *                  state.json             magic, format version, step, saved_at, trainer state
 *                  manifest.json          magic, format version, step, and each file above with its size and CRC32C
 * </pre>
 * A save refuses weights or optimiser state holding NaN or infinity (naming the tensor), writes everything
 * into {@code .step-000123.tmp/}, the manifest last (its checksums read back from the written files),
 * forces it to disk and renames the folder into place, so a kill at any moment leaves either no
 * {@code step-000123} or a complete one. A failed write names the file and the step.
 *
 * <p>Reading: {@link #load(Path)} verifies a folder completely (manifest, sizes, checksums, state.json);
 * {@link #list()} checks the structure only (manifest and sizes, no file is read through), which is what
 * pruning needs. {@link #choose()} picks the newest checkpoint that verifies and names every newer folder
 * it passed over with the reason, for the caller to print: a damaged checkpoint is never skipped silently.
 * Older checkpoints beyond the last {@code keepLast} are deleted only after the new one is in place.
 *
 * <p>The trainer's {@code state} node is stored as given; by convention it
 * holds {@code config} (the run's settings), {@code data_position} (the reader's resume
 * point), {@code skips} (the run's skip counts) and, in data-parallel runs, {@code data_positions}.
 */
public final class CheckpointStore {
    public static final String MAGIC = "lcl4j-checkpoint";
    /** 2: checksums in manifest.json (1 had sizes only, in state.json). */
    public static final int FORMAT_VERSION = 2;
    static final String MODEL = "model.safetensors";
    static final String OPTIMIZER = "optimizer.safetensors";
    static final String STATE = "state.json";
    static final String MANIFEST = "manifest.json";
    private static final List<String> FILES = List.of(MODEL, OPTIMIZER, STATE);

    private static final Pattern COMPLETE = Pattern.compile("step-(\\d{6,18})");
    private static final Pattern LEFTOVER = Pattern.compile("\\.step-\\d{6,18}\\.(tmp|del)");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    /**
     * The checkpoint to use, and the newer step folders passed over on the way, newest first, each with
     * why it cannot be used.
     */
    public record Choice(Optional<Checkpoint> checkpoint, Map<Path, String> passedOver) {
        public Choice {
            passedOver = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(passedOver));
        }

        /**
         * One line to print before using the checkpoint when a newer one was passed over, e.g.
         * {@code "checkpoint step-000006 is unusable (...): using step-000003"}; empty when the newest
         * folder was used.
         */
        public Optional<String> fallbackNote() {
            if (passedOver.isEmpty()) return Optional.empty();
            StringBuilder s = new StringBuilder(passedOver.size() == 1 ? "checkpoint " : "checkpoints ");
            int i = 0;
            for (Map.Entry<Path, String> e : passedOver.entrySet()) {
                if (i++ > 0) s.append("; ");
                s.append(e.getKey().getFileName()).append(" (").append(e.getValue()).append(')');
            }
            s.append(passedOver.size() == 1 ? " is unusable" : " are unusable");
            s.append(checkpoint.map(c -> ": using " + c.dir().getFileName() + ", the newest that verifies")
                    .orElse(": no earlier checkpoint verifies"));
            return Optional.of(s.toString());
        }
    }

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
     *
     * @throws CheckpointException when a tensor is not finite (nothing is written) or a write fails (naming
     *                             the file and the step)
     */
    public Checkpoint save(long step, Map<String, Tensor> model, Map<String, Tensor> optim, JsonNode state)
            throws IOException {
        if (step < 0) throw new IllegalArgumentException("checkpoint step must be >= 0, got " + step);
        String name = folderName(step);
        // a checkpoint that holds NaN or infinity cannot continue the run: not written, so the last one stays latest
        Optional<String> bad = NonFinite.first(model).map(w -> MODEL + " tensor " + w)
                .or(() -> NonFinite.first(optim).map(w -> OPTIMIZER + " tensor " + w));
        if (bad.isPresent()) {
            throw new CheckpointException(root.resolve(name), "not written: " + bad.get() + " after step " + step
                    + " (the update diverged)" + latestNote());
        }
        Path tmp = root.resolve("." + name + ".tmp");
        Path dir = root.resolve(name);
        Path writing = root;
        try {
            Files.createDirectories(root);
            removeLeftovers();
            writing = tmp;
            Files.createDirectory(tmp);
            Map<String, String> meta = Map.of("format", "pt", "lcl4j.step", Long.toString(step));
            writing = tmp.resolve(MODEL);
            Safetensors.write(writing, model, meta);
            writing = tmp.resolve(OPTIMIZER);
            Safetensors.write(writing, optim, meta);
            Instant now = Instant.now();
            ObjectNode doc = header(step);
            doc.put("saved_at", now.toString());
            doc.set("state", state == null ? JSON.nullNode() : state);
            writing = tmp.resolve(STATE);
            writeSynced(writing, JSON.writeValueAsBytes(doc));
            ObjectNode manifest = header(step);
            ObjectNode files = manifest.putObject("files");
            for (String f : FILES) {
                // read back from the file, not computed from memory: the checksum vouches for what is on disk
                FileChecksum c = FileChecksum.of(tmp.resolve(f));
                files.putObject(f).put("bytes", c.bytes()).put("crc32c", c.crc32c());
            }
            writing = tmp.resolve(MANIFEST);
            writeSynced(writing, JSON.writeValueAsBytes(manifest));
            syncDir(tmp);
            writing = dir;
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
            if (e instanceof IOException io && !(e instanceof CheckpointException)) {
                // "No space left on device" alone names neither the file nor the step
                throw new CheckpointException("writing the checkpoint of step " + step + " failed at " + writing + ": "
                        + (io.getMessage() == null ? io.getClass().getSimpleName() : io.getMessage()) + latestNote(), io);
            }
            throw e;
        }
    }

    private static ObjectNode header(long step) {
        ObjectNode doc = JSON.createObjectNode();
        doc.put("magic", MAGIC);
        doc.put("format_version", FORMAT_VERSION);
        doc.put("step", step);
        return doc;
    }

    /** "; the latest intact checkpoint is step-000100" (or that there is none), for failure messages. */
    private String latestNote() {
        try {
            return choose().checkpoint().map(c -> "; the latest intact checkpoint is " + c.dir())
                    .orElse("; no intact checkpoint under " + root);
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    /**
     * The newest checkpoint that verifies completely, passing over damaged ones without a word: for tests
     * and tools. A command that resumes or reads weights uses {@link #choose()} and prints its note.
     */
    public Optional<Checkpoint> latest() throws IOException {
        return choose().checkpoint();
    }

    /**
     * The newest checkpoint that verifies completely ({@link #load(Path)}: manifest, sizes, checksums,
     * state.json), and every newer step folder passed over, with the reason.
     */
    public Choice choose() throws IOException {
        List<Path> folders = new ArrayList<>(stepFolders());
        folders.sort(Comparator.comparingLong(CheckpointStore::folderStep).reversed());
        Map<Path, String> passed = new LinkedHashMap<>();
        for (Path d : folders) {
            try {
                return new Choice(Optional.of(load(d)), passed);
            } catch (CheckpointException e) {
                passed.put(d, e.reason());
            }
        }
        return new Choice(Optional.empty(), passed);
    }

    /** Structurally complete checkpoints (manifest and sizes; checksums are not computed), oldest step first. */
    public List<Checkpoint> list() throws IOException {
        List<Checkpoint> out = new ArrayList<>();
        for (Path d : stepFolders()) {
            try {
                out.add(open(d, false));
            } catch (CheckpointException e) {
                // incomplete or foreign: not a candidate (see incomplete())
            }
        }
        out.sort(Comparator.comparingLong(Checkpoint::step));
        return out;
    }

    /** Step folders that are not structurally complete, each with the reason, for the trainer's log. */
    public Map<Path, String> incomplete() throws IOException {
        Map<Path, String> out = new LinkedHashMap<>();
        for (Path d : stepFolders()) {
            try {
                open(d, false);
            } catch (CheckpointException e) {
                out.put(d, e.getMessage());
            }
        }
        return out;
    }

    /**
     * Verifies and opens the checkpoint folder {@code dir}: its manifest, every listed file's size and
     * CRC32C, and state.json.
     *
     * @throws CheckpointException naming the file and the problem when it cannot be used
     */
    public static Checkpoint load(Path dir) throws IOException {
        return open(dir, true);
    }

    private static Checkpoint open(Path dir, boolean checksums) throws IOException {
        if (!Files.exists(dir.resolve(MANIFEST)) && !Files.exists(dir.resolve(STATE))) {
            throw new CheckpointException(dir, "no " + MANIFEST + " and no " + STATE + ": not an lcl4j checkpoint folder,"
                    + " or one whose save did not complete");
        }
        JsonNode manifest = readHeader(dir, MANIFEST, "the checkpoint was not completely written (or by an lcl4j"
                + " older than checkpoint format " + FORMAT_VERSION + ")");
        for (String f : FILES) {
            Path p = dir.resolve(f);
            JsonNode rec = manifest.path("files").path(f);
            JsonNode size = rec.get("bytes");
            String crc = rec.path("crc32c").asText(null);
            if (size == null || !size.canConvertToLong() || crc == null) {
                throw new CheckpointException(dir.resolve(MANIFEST), "files." + f + " has no bytes and crc32c");
            }
            if (!Files.isRegularFile(p)) throw new CheckpointException(p, "missing");
            long actual = Files.size(p);
            if (actual != size.asLong()) {
                throw new CheckpointException(p, actual + " bytes but manifest.json recorded " + size.asLong()
                        + " (truncated or overwritten after it was written)");
            }
            if (checksums) {
                String got = FileChecksum.of(p).crc32c();
                if (!got.equals(crc)) {
                    throw new CheckpointException(p, "crc32c " + got + " but manifest.json recorded " + crc
                            + " (the file changed after it was written)");
                }
            }
        }
        JsonNode doc = readHeader(dir, STATE, "the checkpoint was not completely written");
        long step = doc.get("step").asLong();
        if (step != manifest.get("step").asLong()) {
            throw new CheckpointException(dir.resolve(STATE), "step " + step + " but manifest.json says "
                    + manifest.get("step").asLong());
        }
        Path statePath = dir.resolve(STATE);
        Instant savedAt;
        try {
            savedAt = Instant.parse(doc.path("saved_at").asText(""));
        } catch (DateTimeParseException e) {
            throw new CheckpointException(statePath, "saved_at is " + doc.get("saved_at") + ", expected an ISO-8601 instant");
        }
        if (!doc.has("state")) {
            throw new CheckpointException(statePath, "has no \"state\" entry (the trainer's state)");
        }
        return new Checkpoint(dir, step, savedAt, doc.get("state"));
    }

    /** A JSON file of the folder with our magic, format version and the folder's step. */
    private static JsonNode readHeader(Path dir, String file, String whenMissing) throws IOException {
        Path path = dir.resolve(file);
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(path);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(path, "missing: " + whenMissing);
        }
        JsonNode doc;
        try {
            doc = JSON.readTree(bytes);
        } catch (JsonProcessingException e) {
            throw new CheckpointException(path, "not valid JSON (truncated or overwritten?): " + e.getOriginalMessage());
        }
        if (doc == null || !doc.isObject()) throw new CheckpointException(path, "not a JSON object");
        if (!MAGIC.equals(doc.path("magic").asText(null))) {
            throw new CheckpointException(path, "magic is " + doc.get("magic") + ", expected \"" + MAGIC + "\"");
        }
        JsonNode version = doc.get("format_version");
        if (version == null || !version.canConvertToInt() || version.asInt() != FORMAT_VERSION) {
            throw new CheckpointException(path, "format_version is " + version + "; this lcl4j reads version "
                    + FORMAT_VERSION);
        }
        JsonNode stepNode = doc.get("step");
        if (stepNode == null || !stepNode.isIntegralNumber() || stepNode.asLong() < 0) {
            throw new CheckpointException(path, "step is " + stepNode + ", expected an integer >= 0");
        }
        Matcher m = COMPLETE.matcher(dir.getFileName().toString());
        if (m.matches() && Long.parseLong(m.group(1)) != stepNode.asLong()) {
            throw new CheckpointException(path, "step " + stepNode.asLong() + " does not match folder " + dir.getFileName());
        }
        return doc;
    }

    private static long folderStep(Path d) {
        Matcher m = COMPLETE.matcher(d.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
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
